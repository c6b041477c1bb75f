"""The whole handoff story over the app API and the Agent API (no browser)."""
from __future__ import annotations


from tests.waiting import next_frame
from tests.handoff.conftest import PASSWORD, Agent, customer_headers


async def _next_frame(ws, kind: str, author: str | None = None) -> dict:
    """The next frame of `kind` (and message author); other frames, e.g. queue updates, are skipped."""
    return await next_frame(ws, lambda f: f.get("type") == kind and (author is None or f["message"]["author"] == author))


async def _say(client, user: str, text: str) -> list[dict]:
    resp = await client.post("/api/app/messages", headers=customer_headers(user), json={"text": text})
    assert resp.status == 200, await resp.text()
    return (await resp.json())["replies"]


async def test_customer_to_agent_and_back(app_client, services, aiohttp_client):
    agent_user = await services.users.create("li", PASSWORD, "agent", display_name="小李")
    await services.users.set_status(agent_user.id, "away")  # on duty, not taking chats automatically
    customer = app_client
    push = await customer.ws_connect(f"/api/app/ws?token={customer_headers('cust')['Authorization'][7:]}")

    # two questions the bot answers, then a request for a person
    [a1] = await _say(customer, "cust", "怎么退货")
    [a2] = await _say(customer, "cust", "能开发票吗")
    assert a1["kind"] == a2["kind"] == "answer"
    [queued] = await _say(customer, "cust", "转人工")
    assert queued["kind"] == "handoff" and "下一位" in queued["text"]

    agent = await Agent.login(aiohttp_client, app_client.server, "li")
    events = await agent.client.ws_connect("/api/agent/ws")
    queue = (await _next_frame(events, "queue"))["queue"]
    assert [item["reason"] for item in queue] == ["customer_request"]
    conversation_id = queue[0]["conversation_id"]

    context = await (await agent.get(f"/api/agent/conversations/{conversation_id}")).json()
    answers = [m["text"] for m in context["transcript"] if m["kind"] == "answer"]
    assert len(answers) == 2 and "7 天" in answers[0]
    assert context["handoff"]["reason"] == "customer_request"

    resp = await agent.post(f"/api/agent/conversations/{conversation_id}/claim")
    assert resp.status == 200 and (await resp.json())["conversation"]["state"] == "agent"
    connected = await _next_frame(push, "message")
    assert "小李" in connected["message"]["text"]

    resp = await agent.post(f"/api/agent/conversations/{conversation_id}/messages", {"text": "您好，我来帮您看看"})
    assert resp.status == 201
    pushed = await _next_frame(push, "message")
    assert pushed["message"]["author"] == "agent" and pushed["message"]["text"] == "您好，我来帮您看看"

    assert await _say(customer, "cust", "订单号 123456，东西坏了") == []  # the bot stays silent
    live = await _next_frame(events, "message", author="customer")
    assert live["conversation_id"] == conversation_id and live["message"]["text"] == "订单号 123456，东西坏了"

    resp = await agent.post(f"/api/agent/conversations/{conversation_id}/resolve")
    assert (await resp.json())["conversation"]["state"] == "bot"
    left = await _next_frame(push, "message")
    rating = await _next_frame(push, "message")
    assert left["message"]["kind"] == "agent_left"
    assert [b["payload"] for b in rating["message"]["buttons"]] == [f"/rate:resolved:{n}" for n in range(1, 6)]

    [speed] = await _say(customer, "cust", "/rate:resolved:5")
    [knowledge] = await _say(customer, "cust", "/rate:speed:4")
    [thanks] = await _say(customer, "cust", "/rate:knowledge:5")
    assert speed["buttons"][0]["payload"] == "/rate:speed:1"
    assert knowledge["buttons"][0]["payload"] == "/rate:knowledge:1"
    assert thanks["kind"] == "rating"
    assert await services.records.ratings_for_handoff(None, conversation_id) == {"resolved": 5, "speed": 4, "knowledge": 5}

    [again] = await _say(customer, "cust", "怎么退货")  # the bot answers again
    assert again["kind"] == "answer"

    resp = await agent.post(f"/api/agent/conversations/{conversation_id}/messages", {"text": "还在吗"})
    assert resp.status == 409  # resolved: refused clearly
    assert "error" in await resp.json()
    handoff = await services.handoffs.current(conversation_id)
    assert handoff.status == "resolved" and handoff.wait_seconds is not None
    await push.close()
    await events.close()
