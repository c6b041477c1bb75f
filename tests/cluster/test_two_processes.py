"""Two server instances on one database and one Redis, as when running several processes."""
from __future__ import annotations

import asyncio

from bot.app import SERVICES
from tests.waiting import next_frame
from tests.handoff.conftest import PASSWORD, Agent


async def test_agent_on_one_process_reaches_a_widget_on_the_other(two_servers, aiohttp_client):
    a, b = two_servers
    services = b.app[SERVICES]
    user = await services.users.create("li", PASSWORD, "agent", display_name="小李")
    await services.users.set_status(user.id, "away")

    widget = await a.ws_connect("/ws?lang=zh")  # the customer's socket is held by process A
    await next_frame(widget, lambda f: f["type"] == "history")
    await widget.send_json({"type": "message", "id": "handoff-001", "text": "转人工"})
    await next_frame(widget, lambda f: f["type"] == "message" and f.get("kind") == "handoff")

    agent = await Agent.login(aiohttp_client, b.server, "li")  # the agent works on process B
    console_on_a = await Agent.login(aiohttp_client, a.server, "li")
    events = await console_on_a.client.ws_connect("/api/agent/ws")
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    await agent.post(f"/api/agent/conversations/{item['conversation_id']}/claim")
    await agent.post(f"/api/agent/conversations/{item['conversation_id']}/messages", {"text": "来自另一个进程的问候"})
    pushed = await next_frame(widget, lambda f: f["type"] == "message" and f.get("author") == "agent")
    assert pushed["text"] == "来自另一个进程的问候"

    await widget.send_json({"type": "message", "id": "after-claim-01", "text": "收到，谢谢"})
    live = await next_frame(events, lambda f: f["type"] == "message" and f["message"]["author"] == "customer")
    assert live["message"]["text"] == "收到，谢谢"  # handled by A, relayed to B's... and A's consoles
    await widget.close()
    await events.close()


async def test_one_customers_messages_stay_in_order_across_processes(two_servers):
    a, b = two_servers
    texts = [f"怎么退货 {i}" for i in range(6)]

    async def send(client, text):
        resp = await client.post("/webhooks/rest/webhook", json={"sender": "same-customer", "message": text})
        assert resp.status == 200

    # Alternate processes, started together: the Redis lock serialises the turns.
    await asyncio.gather(*(send(a if i % 2 else b, t) for i, t in enumerate(texts)))
    transcript = await a.app[SERVICES].engine.history("rest", "same-customer")
    assert [m.author for m in transcript] == ["customer", "bot"] * len(texts)
    assert sorted(m.text for m in transcript if m.author == "customer") == sorted(texts)
