"""The handoff story over Telegram: queue, agent replies with sendMessage, rating by inline button."""
from __future__ import annotations


from tests.waiting import until
from bot.app import SERVICES
from tests.connectors.telegram.conftest import CHAT, channel_of, next_update_id, payload, post_update, text_update
from tests.handoff.conftest import PASSWORD, Agent



async def test_customer_on_telegram_reaches_an_agent_and_back(client, fake_telegram, aiohttp_client):
    services = client.app[SERVICES]
    user = await services.users.create("zhao", PASSWORD, "agent", display_name="小赵")
    await services.users.set_status(user.id, "away")
    agent = await Agent.login(aiohttp_client, client.server, "zhao")
    sent = lambda: [m["text"] for m in fake_telegram.sent if int(m["chat_id"]) == CHAT]  # noqa: E731

    assert (await post_update(client, text_update("转人工"))).status == 200
    await until(lambda: any("转接人工客服" in t for t in sent()))
    [item] = (await (await agent.get("/api/agent/queue")).json())["queue"]
    assert item["channel"] == "telegram"
    conv_id = item["conversation_id"]
    await agent.post(f"/api/agent/conversations/{conv_id}/claim")
    await agent.post(f"/api/agent/conversations/{conv_id}/messages", {"text": "Hi, I'm Zhao from support"})
    await until(lambda: "Hi, I'm Zhao from support" in sent())

    await post_update(client, text_update("the parcel is broken"))
    await channel_of(client).drain()
    context = await (await agent.get(f"/api/agent/conversations/{conv_id}")).json()
    assert context["transcript"][-1]["text"] == "the parcel is broken"
    assert sent()[-1] == "Hi, I'm Zhao from support"  # the bot said nothing

    await agent.post(f"/api/agent/conversations/{conv_id}/resolve")
    await until(lambda: fake_telegram.sent and "reply_markup" in fake_telegram.sent[-1])
    keyboard = fake_telegram.sent[-1]["reply_markup"]["inline_keyboard"]
    buttons = [b for row in keyboard for b in row]
    assert [b["text"] for b in buttons] == ["1", "2", "3", "4", "5"]

    press = payload("callback_query")
    press["update_id"] = next_update_id()
    press["callback_query"]["data"] = buttons[4]["callback_data"]
    await post_update(client, press)
    await until(lambda: len(fake_telegram.called("answerCallbackQuery")) >= 1)
    await channel_of(client).drain()
    ratings = await services.records.ratings_for_handoff(None, conv_id)
    assert ratings == {"resolved": 5}
