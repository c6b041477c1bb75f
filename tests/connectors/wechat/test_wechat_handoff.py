"""The handoff story over WeChat: queue, agent replies as customer-service messages, 45015, rating."""
from __future__ import annotations

from bot.app import SERVICES
from tests.connectors.wechat.conftest import OPENID, channel_of, decrypt_reply, payload
from tests.handoff.conftest import PASSWORD, Agent


async def _agent(client, aiohttp_client) -> Agent:
    services = client.app[SERVICES]
    user = await services.users.create("wang", PASSWORD, "agent", display_name="小王")
    await services.users.set_status(user.id, "away")  # on duty: the customer waits in the queue
    return await Agent.login(aiohttp_client, client.server, "wang")


async def test_customer_on_wechat_reaches_an_agent_and_back(client, wechat, fake_wechat, aiohttp_client) -> None:
    agent = await _agent(client, aiohttp_client)
    resp = await wechat.post_encrypted(payload("text.xml", Content="转人工", MsgId="5001"))
    assert "转接人工客服" in decrypt_reply(await resp.text())["Content"]

    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    assert item["channel"] == "wechat" and item["reason"] == "customer_request"
    conv_id = item["conversation_id"]
    assert (await agent.post(f"/api/agent/conversations/{conv_id}/claim")).status == 200
    assert (await agent.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "您好，我是小王"})).status == 201
    await channel_of(client).drain()
    assert fake_wechat.texts_to(OPENID)[-2:] == ["人工客服 小王 已接入，正在为您服务。", "您好，我是小王"]

    resp = await wechat.post_encrypted(payload("text.xml", Content="快递一直没到", MsgId="5002"))
    assert await resp.text() == "success"  # the bot stays silent while the agent holds it
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    assert context["transcript"][-1]["text"] == "快递一直没到"
    assert context["reply_window"]["open"] is True

    await agent.post(f"/api/agent/conversations/{conv_id}/resolve")
    await channel_of(client).drain()
    rating = fake_wechat.texts_to(OPENID)[-1]
    assert "解决" in rating and "1." in rating  # WeChat has no buttons: numbered options
    resp = await wechat.post_encrypted(payload("text.xml", Content="5", MsgId="5003"))
    assert "速度" in decrypt_reply(await resp.text())["Content"]  # "5" chose the fifth option


async def test_a_45015_is_shown_to_the_agent(client, wechat, fake_wechat, aiohttp_client) -> None:
    agent = await _agent(client, aiohttp_client)
    await wechat.post_encrypted(payload("text.xml", Content="转人工", MsgId="6001"))
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    conv_id = item["conversation_id"]
    await agent.post(f"/api/agent/conversations/{conv_id}/claim")
    await channel_of(client).drain()
    fake_wechat.fail("message/custom/send", 45015, "response out of time limit or subscription is canceled")
    resp = await agent.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "还在吗？"})
    assert resp.status == 201
    message_id = (await resp.json())["message"]["id"]
    await channel_of(client).drain()
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    [sent] = [m for m in context["transcript"] if m["id"] == message_id]
    assert sent["meta"]["delivery"]["ok"] is False and sent["meta"]["delivery"]["code"] == "45015"
    assert context["reply_window"]["last_failure"]["code"] == "45015"
