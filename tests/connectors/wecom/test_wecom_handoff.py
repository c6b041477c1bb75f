"""The handoff story over WeCom kf with our own console (the default `handoff: console`, not WeCom
servicers): queue, agent replies with send_msg carrying our msgid, silence, rating by msgmenu."""
from __future__ import annotations

from bot.app import SERVICES
from tests.connectors.wecom.conftest import CUSTOMER, KFID, channel_of, customer_text, signal_and_wait, stored
from tests.handoff.conftest import PASSWORD, Agent


async def test_customer_on_wecom_reaches_an_agent_in_our_console_and_back(client, wecom, fake_wecom, aiohttp_client):
    services = client.app[SERVICES]
    user = await services.users.create("li", PASSWORD, "agent", display_name="小李")
    await services.users.set_status(user.id, "away")  # on duty: the customer waits in the queue
    agent = await Agent.login(aiohttp_client, client.server, "li")

    fake_wecom.messages[KFID] = [customer_text("c-1", "转人工")]
    await signal_and_wait(wecom, client)
    assert any("转接人工客服" in t for t in fake_wecom.texts_to(CUSTOMER))
    assert fake_wecom.called("kf/service_state/trans") == []  # our console, not WeCom's servicers
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    assert item["channel"] == "wecom"
    conv_id = item["conversation_id"]
    assert (await agent.post(f"/api/agent/conversations/{conv_id}/claim")).status == 200
    resp = await agent.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "您好，我是小李"})
    assert resp.status == 201
    message_id = (await resp.json())["message"]["id"]
    sent = fake_wecom.sent[-1]
    assert (sent["touser"], sent["open_kfid"], sent["text"]["content"]) == (CUSTOMER, KFID, "您好，我是小李")
    assert sent["msgid"] == f"{message_id[:28]}_0"  # our own msgid: a retried send cannot duplicate

    answered = len(fake_wecom.sent)
    fake_wecom.messages[KFID].append(customer_text("c-2", "快递一直没到"))
    await signal_and_wait(wecom, client)
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    assert context["transcript"][-1]["text"] == "快递一直没到"
    assert len(fake_wecom.sent) == answered  # the bot stays silent while the agent holds it

    await agent.post(f"/api/agent/conversations/{conv_id}/resolve")
    await channel_of(client).drain()
    rating = fake_wecom.sent[-1]
    assert rating["msgtype"] == "msgmenu" and "解决" in rating["msgmenu"]["head_content"]
    options = [entry["click"] for entry in rating["msgmenu"]["list"]]
    assert [o["content"] for o in options] == ["1", "2", "3", "4", "5"]

    # The customer taps "5": WeCom sends it back as a text with the menu item's id.
    fake_wecom.messages[KFID].append(customer_text("c-3", "5", menu_id=options[4]["id"]))
    await signal_and_wait(wecom, client)
    assert await services.records.ratings_for_handoff(None, conv_id) == {"resolved": 5}
    assert [r.text for r in await stored(client) if r.author == "customer"][-1] == "/rate:resolved:5"
