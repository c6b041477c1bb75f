"""Telegram's Bot API not answering in time (PTB raises TimedOut), against the fake Bot API.

The fake's `hang` carries a call out and then holds the answer past our timeout: Telegram sent the
message, we never learn it. Delivery after a timeout is therefore AT-LEAST-ONCE: the sender retries
(Telegram has no idempotency key), so the customer may see a message twice, but never zero times
while Telegram is reachable; when every retry times out, the agent sees a recorded failure.
"""
from __future__ import annotations

import pytest

from bot.app import SERVICES, create_app
from connectors import telegram_sender
from tests.connectors.telegram.conftest import CHAT, channel_of, post_update, stored, telegram_settings, text_update
from tests.handoff.conftest import PASSWORD, Agent

TIMEOUT = "1"  # seconds per Bot API call; the fake holds answers for longer


@pytest.fixture
async def client(aiohttp_client, tmp_path, fake_telegram):
    settings = telegram_settings(tmp_path, fake_telegram, KEFU_CHANNELS__TELEGRAM__API_TIMEOUT_SECONDS=TIMEOUT)
    return await aiohttp_client(create_app(settings))


async def test_a_timed_out_answer_is_retried_so_delivery_is_at_least_once(client, fake_telegram):
    fake_telegram.hang("sendMessage", 30)
    await post_update(client, text_update("下单后几天发货"))
    await channel_of(client).drain()
    answers = [m["text"] for m in fake_telegram.sent]
    # The held call did reach Telegram, and the retry sent it again: twice, never lost.
    assert len(answers) == 2 and answers[0] == answers[1] and "48 小时内发货" in answers[0]
    # The chat's queue goes on: the next question is stored and answered once.
    await post_update(client, text_update("怎么退货"))
    await channel_of(client).drain()
    assert "7 天内可无理由退货" in fake_telegram.sent[-1]["text"] and len(fake_telegram.sent) == 3
    assert [(r.author, r.text) for r in await stored(client) if r.author == "customer"] == [
        ("customer", "下单后几天发货"), ("customer", "怎么退货")]


async def test_an_agent_reply_that_times_out_on_every_retry_is_reported_to_the_agent(
        client, fake_telegram, aiohttp_client, monkeypatch):
    monkeypatch.setattr(telegram_sender, "NETWORK_RETRIES", 1)  # two tries in all: a short test
    services = client.app[SERVICES]
    user = await services.users.create("zhao", PASSWORD, "agent", display_name="小赵")
    await services.users.set_status(user.id, "away")
    agent = await Agent.login(aiohttp_client, client.server, "zhao")
    await post_update(client, text_update("转人工"))
    await channel_of(client).drain()
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    conv_id = item["conversation_id"]
    await agent.post(f"/api/agent/conversations/{conv_id}/claim")

    fake_telegram.hang("sendMessage", 30, times=2)
    resp = await agent.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "您好，我是小赵"})
    assert resp.status == 201  # stored; the failure is shown on the message, not as an error
    message_id = (await resp.json())["message"]["id"]
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    [sent] = [m for m in context["transcript"] if m["id"] == message_id]
    assert sent["meta"]["delivery"]["ok"] is False and sent["meta"]["delivery"]["code"] == "TimedOut"
    assert "may or may not" in sent["meta"]["delivery"]["detail"]
    assert (await channel_of(client).failures.last(str(CHAT))).message_id == message_id

    await post_update(client, text_update("还在吗"))  # the customer's side still flows to the agent
    await channel_of(client).drain()
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    assert context["transcript"][-1]["text"] == "还在吗"
