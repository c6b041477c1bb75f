"""One person on two channels: the agent sees their app conversation when they write on the web."""
from __future__ import annotations


from connectors.app_token import mint_app_token
from tests.waiting import next_frame
from tests.handoff.conftest import PASSWORD, SECRET, Agent, customer_headers


async def test_agent_sees_the_same_persons_conversations_on_every_channel(app_client, services, aiohttp_client):
    user = await services.users.create("li", PASSWORD, "agent")
    await services.users.set_status(user.id, "away")
    # In the shop's app, as user "shopper-42"
    await app_client.post("/api/app/messages", headers=customer_headers("shopper-42"), json={"text": "能开发票吗"})
    # Then on the web site, logged in as the same shopper: the page embeds a token the shop signed
    token = mint_app_token(SECRET, "shopper-42", 300)
    widget = await app_client.ws_connect(f"/ws?lang=zh&identity={token}")
    await next_frame(widget, lambda f: f["type"] == "history")
    await widget.send_json({"type": "message", "id": "web-000001", "text": "转人工"})
    await next_frame(widget, lambda f: f["type"] == "message" and f.get("kind") == "handoff")

    agent = await Agent.login(aiohttp_client, app_client.server, "li")
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    assert item["channel"] == "web"
    context = await (await agent.get(f"/api/agent/conversations/{item['conversation_id']}")).json()
    assert context["customer"]["person_id"] == "shopper-42"
    [earlier] = context["previous"]
    assert earlier["channel"] == "app"
    assert [m["text"] for m in earlier["messages"] if m["author"] == "customer"] == ["能开发票吗"]
    await widget.close()


async def test_a_forged_identity_links_nothing(app_client, services, aiohttp_client):
    user = await services.users.create("li", PASSWORD, "agent")
    await services.users.set_status(user.id, "away")
    await app_client.post("/api/app/messages", headers=customer_headers("shopper-42"), json={"text": "能开发票吗"})
    forged = mint_app_token("not-the-shops-secret-0123456789abcdef", "shopper-42", 300)
    widget = await app_client.ws_connect(f"/ws?lang=zh&identity={forged}")
    await next_frame(widget, lambda f: f["type"] == "history")
    await widget.send_json({"type": "message", "id": "web-000002", "text": "转人工"})
    await next_frame(widget, lambda f: f["type"] == "message" and f.get("kind") == "handoff")
    agent = await Agent.login(aiohttp_client, app_client.server, "li")
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    context = await (await agent.get(f"/api/agent/conversations/{item['conversation_id']}")).json()
    assert context["customer"]["person_id"] is None and context["previous"] == []
    await widget.close()
