"""WeChat's customer-service API not answering in time, against the fake WeChat server.

`message/custom/send` has no idempotency key, so a timed-out call is not retried (a retry could
show the customer the message twice): it is reported to the agent like a 45015, with a code
(-4) whose explanation says the message may or may not have arrived.
"""
from __future__ import annotations

import pytest

from bot.app import SERVICES, create_app
from connectors.wechat_api import TIMED_OUT
from tests.connectors.wechat.conftest import OPENID, channel_of, payload, wechat_settings
from tests.handoff.conftest import PASSWORD, Agent


@pytest.fixture
async def client(aiohttp_client, tmp_path, fake_wechat, action_server):
    settings = wechat_settings(tmp_path, fake_wechat, action_server.url,
                               KEFU_CHANNELS__WECHAT__API_TIMEOUT_SECONDS="1")  # the fake holds answers longer
    client = await aiohttp_client(create_app(settings))
    yield client
    action_server.gate.set()


async def test_a_timed_out_agent_reply_is_reported_not_retried_and_the_chat_goes_on(
        client, wechat, fake_wechat, aiohttp_client) -> None:
    services = client.app[SERVICES]
    user = await services.users.create("wang", PASSWORD, "agent", display_name="小王")
    await services.users.set_status(user.id, "away")
    agent = await Agent.login(aiohttp_client, client.server, "wang")
    await wechat.post_encrypted(payload("text.xml", Content="转人工", MsgId="7001"))
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    conv_id = item["conversation_id"]
    await agent.post(f"/api/agent/conversations/{conv_id}/claim")
    await channel_of(client).drain()

    fake_wechat.hang("message/custom/send", 30)
    resp = await agent.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "请稍等"})
    assert resp.status == 201
    message_id = (await resp.json())["message"]["id"]
    await channel_of(client).drain()
    attempts = [b for p, b in fake_wechat.calls if p == "message/custom/send" and b["text"]["content"] == "请稍等"]
    assert len(attempts) == 1  # not retried: WeChat may already have shown it
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    [sent] = [m for m in context["transcript"] if m["id"] == message_id]
    assert sent["meta"]["delivery"]["ok"] is False and sent["meta"]["delivery"]["code"] == str(TIMED_OUT)
    assert "may or may not" in sent["meta"]["delivery"]["detail"]
    window = context["reply_window"]
    assert window["open"] is True  # unlike a 45015, a timeout does not close the 48-hour window
    assert window["last_failure"]["code"] == str(TIMED_OUT)

    # The customer's next message still reaches the agent, and the next reply clears the failure.
    resp = await wechat.post_encrypted(payload("text.xml", Content="收到了吗", MsgId="7002"))
    assert await resp.text() == "success"
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    assert context["transcript"][-1]["text"] == "收到了吗"
    await agent.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "收到了"})
    await channel_of(client).drain()
    assert fake_wechat.texts_to(OPENID)[-1] == "收到了"
    assert (await channel_of(client).reply_window(OPENID)).last_failure is None
