"""Agent API: authentication, roles, CSRF, visibility and the state rules of handoffs."""
from __future__ import annotations

import asyncio
import time

from bot.agent_api.auth import FAILED_LOGIN_DELAY
from tests.handoff.conftest import PASSWORD, Agent, customer_headers
from tests.waiting import next_frame


async def _queued_conversation(client, services, user: str = "cust") -> str:
    await client.post("/api/app/messages", headers=customer_headers(user), json={"text": "怎么退货"})
    await client.post("/api/app/messages", headers=customer_headers(user), json={"text": "转人工"})
    [(handoff, _)] = [h for h in await services.handoffs.queued() if True][-1:]
    return handoff.conversation_id


async def _agent(services, name: str, role: str = "agent", status: str = "away"):
    user = await services.users.create(name, PASSWORD, role)
    await services.users.set_status(user.id, status)
    return user


async def test_wrong_password_is_401_after_a_delay_and_sets_no_cookie(app_client, services):
    await _agent(services, "li")
    start = time.monotonic()
    resp = await app_client.post("/api/agent/login", json={"username": "li", "password": "wrong password!"})
    assert resp.status == 401
    assert time.monotonic() - start >= FAILED_LOGIN_DELAY * 0.9
    assert "kefu_session" not in resp.cookies
    unknown = await app_client.post("/api/agent/login", json={"username": "nobody", "password": "whatever123"})
    assert unknown.status == 401


async def test_session_cookie_is_httponly_and_samesite(app_client, services):
    await _agent(services, "li")
    resp = await app_client.post("/api/agent/login", json={"username": "li", "password": PASSWORD})
    cookie = resp.cookies["kefu_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert "password" not in str(await resp.json())


async def test_requests_without_session_or_csrf_are_refused(app_client, services, aiohttp_client):
    await _agent(services, "li")
    assert (await app_client.get("/api/agent/queue")).status == 401
    agent = await Agent.login(aiohttp_client, app_client.server, "li")
    no_csrf = await agent.client.put("/api/agent/me/status", json={"status": "online"})
    assert no_csrf.status == 403 and (await no_csrf.json())["error"]["code"] == "csrf"
    ok = await agent.put("/api/agent/me/status", {"status": "online"})
    assert ok.status == 200 and (await ok.json())["user"]["status"] == "online"
    bad = await agent.put("/api/agent/me/status", {"status": "asleep"})
    assert bad.status == 400


async def test_editors_may_not_use_the_agent_api(app_client, services, aiohttp_client):
    await _agent(services, "ed", role="editor")
    editor = await Agent.login(aiohttp_client, app_client.server, "ed")
    assert (await editor.get("/api/agent/queue")).status == 403


async def test_agents_see_only_the_queue_and_their_own_conversations(app_client, services, aiohttp_client):
    await _agent(services, "li")
    await _agent(services, "wang")
    conv_id = await _queued_conversation(app_client, services)
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    wang = await Agent.login(aiohttp_client, app_client.server, "wang")
    assert (await wang.get(f"/api/agent/conversations/{conv_id}")).status == 200  # queued: everyone on duty
    assert (await li.post(f"/api/agent/conversations/{conv_id}/claim")).status == 200
    assert (await wang.post(f"/api/agent/conversations/{conv_id}/claim")).status == 404  # someone else's now
    assert (await wang.get(f"/api/agent/conversations/{conv_id}")).status == 404
    assert (await wang.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "hi"})).status == 404
    assert (await li.get("/api/agent/conversations/no-such-id")).status == 404
    mine = await (await li.get("/api/agent/conversations?state=agent")).json()
    theirs = await (await wang.get("/api/agent/conversations?state=agent")).json()
    assert [c["id"] for c in mine["conversations"]] == [conv_id] and theirs["conversations"] == []


async def test_two_agents_claiming_at_once_cannot_both_get_it(app_client, services, aiohttp_client):
    await _agent(services, "li")
    await _agent(services, "wang")
    conv_id = await _queued_conversation(app_client, services)
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    wang = await Agent.login(aiohttp_client, app_client.server, "wang")
    results = await asyncio.gather(
        li.post(f"/api/agent/conversations/{conv_id}/claim"), wang.post(f"/api/agent/conversations/{conv_id}/claim")
    )
    statuses = sorted(r.status for r in results)
    assert statuses[0] == 200 and statuses[1] in (404, 409)
    assert len(await services.conversations.list(("agent",))) == 1


async def test_admin_sees_everything(app_client, services, aiohttp_client):
    await _agent(services, "li")
    await _agent(services, "boss", role="admin", status="offline")
    conv_id = await _queued_conversation(app_client, services)
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    await li.post(f"/api/agent/conversations/{conv_id}/claim")
    boss = await Agent.login(aiohttp_client, app_client.server, "boss")
    assert (await boss.get(f"/api/agent/conversations/{conv_id}")).status == 200


async def test_messages_written_while_queued_reach_the_agent(app_client, services, aiohttp_client):
    await _agent(services, "li")
    conv_id = await _queued_conversation(app_client, services)
    for text in ("还在吗", "我的订单号是 778899"):
        resp = await app_client.post("/api/app/messages", headers=customer_headers("cust"), json={"text": text})
        assert (await resp.json())["replies"] == []
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    context = await (await li.get(f"/api/agent/conversations/{conv_id}")).json()
    assert [m["text"] for m in context["transcript"] if m["author"] == "customer"][-2:] == ["还在吗", "我的订单号是 778899"]


async def test_transfer_to_another_agent_and_back_to_the_queue(app_client, services, aiohttp_client):
    await _agent(services, "li")
    wang_user = await _agent(services, "wang")
    conv_id = await _queued_conversation(app_client, services)
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    wang = await Agent.login(aiohttp_client, app_client.server, "wang")
    await li.post(f"/api/agent/conversations/{conv_id}/claim")
    moved = await li.post(f"/api/agent/conversations/{conv_id}/transfer", {"agent_id": wang_user.id})
    assert (await moved.json())["conversation"]["agent_id"] == wang_user.id
    assert (await li.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "x"})).status == 404
    back = await wang.post(f"/api/agent/conversations/{conv_id}/transfer", {"queue": True})
    assert (await back.json())["conversation"]["state"] == "queued"
    assert [h.conversation_id for h, _ in await services.handoffs.queued()] == [conv_id]
    bad = await wang.post(f"/api/agent/conversations/{conv_id}/transfer", {})
    assert bad.status == 400


async def test_notes_kb_search_and_tickets(app_client, services, aiohttp_client):
    await _agent(services, "li")
    conv_id = await _queued_conversation(app_client, services)
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    note = await li.post(f"/api/agent/conversations/{conv_id}/notes", {"text": "VIP 客户"})
    assert note.status == 201
    context = await (await li.get(f"/api/agent/conversations/{conv_id}")).json()
    assert [n["text"] for n in context["notes"]] == ["VIP 客户"]
    assert all("VIP" not in m["text"] for m in context["transcript"])  # internal only
    found = await (await li.get("/api/agent/kb/search?q=怎么开发票")).json()
    assert found["results"][0]["id"] == "invoice" and found["results"][0]["answer"]
    assert (await li.get("/api/agent/kb/search?q=")).status == 400
    ticket = await services.records.add_ticket(conv_id, context["customer"]["id"], "请回电", "13800000000")
    listed = await (await li.get("/api/agent/tickets")).json()
    assert [t["id"] for t in listed["tickets"]] == [ticket["id"]]
    closed = await li.post(f"/api/agent/tickets/{ticket['id']}/close")
    assert (await closed.json())["ticket"]["status"] == "closed"
    assert (await li.post(f"/api/agent/tickets/{ticket['id']}/close")).status == 404


async def test_bad_bodies_get_clear_errors(app_client, services, aiohttp_client):
    await _agent(services, "li")
    conv_id = await _queued_conversation(app_client, services)
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    await li.post(f"/api/agent/conversations/{conv_id}/claim")
    empty = await li.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "  "})
    assert empty.status == 400 and (await empty.json())["error"]["code"] == "empty_message"
    garbage = await li.client.post(
        f"/api/agent/conversations/{conv_id}/messages", data=b"{not json", headers={"X-CSRF-Token": li.csrf}
    )
    assert garbage.status == 400
    form = await app_client.post("/api/agent/login", data={"username": "li", "password": PASSWORD})
    assert form.status == 415


async def test_a_ticket_left_while_nobody_is_on_duty_appears_live(app_client, services, aiohttp_client):
    await _agent(services, "li", status="offline")
    li = await Agent.login(aiohttp_client, app_client.server, "li")
    events = await li.client.ws_connect("/api/agent/ws")
    for text in ("转人工", "发票抬头开错了", "li@example.com"):
        await app_client.post("/api/app/messages", headers=customer_headers("night-owl"), json={"text": text})
    while True:
        frame = await asyncio.wait_for(events.receive_json(), 5)
        if frame["type"] == "ticket":
            break
    assert frame["ticket"]["message"] == "发票抬头开错了" and frame["ticket"]["contact"] == "li@example.com"
    await events.close()


async def test_many_consoles_get_the_same_queue_built_once(app_client, services, aiohttp_client, monkeypatch):
    from bot.agent_api import views

    calls = []
    real_queue = views.queue

    async def counting_queue(svc):
        calls.append(1)
        return await real_queue(svc)

    for name in ("li", "wang", "zhao"):
        await _agent(services, name)
    consoles = [await Agent.login(aiohttp_client, app_client.server, n) for n in ("li", "wang", "zhao")]
    sockets = [await c.client.ws_connect("/api/agent/ws") for c in consoles]
    for ws in sockets:
        assert (await ws.receive_json())["type"] == "queue"  # the initial queue on connect
    monkeypatch.setattr(views, "queue", counting_queue)
    await app_client.post("/api/app/messages", headers=customer_headers("c1"), json={"text": "转人工"})
    frames = [await next_frame(ws, lambda f: f["type"] == "queue") for ws in sockets]
    assert all(len(f["queue"]) == 1 for f in frames)
    assert len(calls) == 1  # one build for three consoles
    for ws in sockets:
        await ws.close()
