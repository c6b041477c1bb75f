"""Rasa REST customers on two processes: replies kept between requests live in the shared Redis."""
from __future__ import annotations

import asyncio

from bot.app import CHANNEL_MAP, SERVICES
from bot.messages import Button
from connectors.pending_store import RedisPendingStore
from tests.connectors.rest_customer import agent_reply, ask
from tests.handoff.conftest import PASSWORD, Agent


async def test_an_agent_reply_on_one_process_reaches_the_customers_next_request_on_the_other(
    two_servers, aiohttp_client
):
    a, b = two_servers
    assert isinstance(a.app[CHANNEL_MAP]["rest"].pending, RedisPendingStore)
    user = await a.app[SERVICES].users.create("li", PASSWORD, "agent", display_name="小李")
    await a.app[SERVICES].users.set_status(user.id, "away")  # stays in the queue until claimed
    await ask(b, "rest-customer", "转人工")

    agent = await Agent.login(aiohttp_client, a.server, "li")  # the agent works on process A
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    await agent.post(f"/api/agent/conversations/{item['conversation_id']}/claim")
    resp = await agent.post(f"/api/agent/conversations/{item['conversation_id']}/messages", {"text": "您好，我是小李"})
    assert resp.status in (200, 201), await resp.text()

    answer = await ask(b, "rest-customer", "在吗")  # the customer's next request lands on process B
    assert answer.count({"recipient_id": "rest-customer", "text": "您好，我是小李"}) == 1  # after the "joined" notice
    later = [r["text"] for r in (*await ask(a, "rest-customer", "还在吗"), *await ask(b, "rest-customer", "喂"))]
    assert "您好，我是小李" not in later


async def test_only_the_newest_hundred_wait_for_the_customer(two_servers):
    a, b = two_servers
    for i in range(105):
        await a.app[CHANNEL_MAP]["rest"].send(agent_reply("busy", f"m{i}"))
    answer = [r["text"] for r in await ask(b, "busy", "你好")]
    assert answer[:100] == [f"m{i}" for i in range(5, 105)] and "m4" not in answer


async def test_racing_requests_of_one_customer_get_each_waiting_message_once(two_servers):
    a, b = two_servers
    waiting = [f"pending {i}" for i in range(20)]
    for text in waiting:
        await b.app[CHANNEL_MAP]["rest"].send(agent_reply("racer", text))
    answers = await asyncio.gather(*(ask(a if i % 2 else b, "racer", f"怎么退货 {i}") for i in range(6)))
    got = [r["text"] for answer in answers for r in answer if r["text"].startswith("pending ")]
    assert sorted(got) == sorted(waiting)  # none lost, none twice


async def test_buttons_arrive_whole_on_the_other_process(two_servers):
    a, b = two_servers
    buttons = (Button("退货", "/return"), Button("Track order", '/track{"id": 7}'))
    await a.app[CHANNEL_MAP]["rest"].send(agent_reply("chooser", "请选择", buttons))
    assert (await ask(b, "chooser", "你好"))[0] == {
        "recipient_id": "chooser", "text": "请选择",
        "buttons": [{"title": "退货", "payload": "/return"}, {"title": "Track order", "payload": '/track{"id": 7}'}],
    }
