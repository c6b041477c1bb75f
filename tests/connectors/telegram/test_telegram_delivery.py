"""Rate limits, 429 bursts, polling mode and setWebhook against the fake Bot API."""
from __future__ import annotations

import asyncio

from tests.waiting import until
from bot.app import create_app
from bot.messages import OutboundMessage
from tests.connectors.telegram.conftest import CHAT, SECRET, channel_of, payload, stored, telegram_settings


async def test_a_429_burst_delivers_every_message_once_and_in_order(client, fake_telegram):
    fake_telegram.fail("sendMessage", times=3, retry_after=1)
    channel = channel_of(client)
    first = [OutboundMessage("telegram", str(CHAT), "c1", f"A{i}", sender="agent") for i in range(8)]
    second = [OutboundMessage("telegram", "555", "c2", f"B{i}", sender="agent") for i in range(4)]

    async def send_all(messages):
        for message in messages:
            await channel.send(message)

    await asyncio.gather(send_all(first), send_all(second))
    texts_to = lambda chat: [m["text"] for m in fake_telegram.sent if int(m["chat_id"]) == chat]
    assert texts_to(CHAT) == [f"A{i}" for i in range(8)]
    assert texts_to(555) == [f"B{i}" for i in range(4)]
    assert len(fake_telegram.called("sendMessage")) == 12 + 3  # the three 429s were retried


async def test_queued_replies_keep_their_order_through_a_429(client, fake_telegram):
    fake_telegram.fail("sendMessage", times=2, retry_after=1)
    channel = channel_of(client)
    futures = [channel.sender.send_text(CHAT, f"part {i}") for i in range(5)]  # queued at once, not awaited
    await asyncio.gather(*futures)
    assert [m["text"] for m in fake_telegram.sent] == [f"part {i}" for i in range(5)]


async def test_polling_mode_answers_updates_from_get_updates(aiohttp_client, tmp_path, fake_telegram):
    settings = telegram_settings(tmp_path, fake_telegram, KEFU_CHANNELS__TELEGRAM__MODE="polling",
                                 KEFU_CHANNELS__TELEGRAM__POLL_TIMEOUT_SECONDS="1", KEFU_TELEGRAM_WEBHOOK_SECRET="")
    client = await aiohttp_client(create_app(settings))
    fake_telegram.push_update(payload("text_message"))
    await until(lambda: fake_telegram.sent)
    assert "48 小时内发货" in fake_telegram.sent[0]["text"]
    assert fake_telegram.calls[0][0] == "deleteWebhook"  # getUpdates would get 409 while a webhook is set
    # The next getUpdates confirms the update with offset = update_id + 1, so it never comes twice.
    await until(lambda: any(int(c.get("offset") or 0) == 727001002 for c in fake_telegram.called("getUpdates")))
    await channel_of(client).drain()
    assert [r.author for r in await stored(client)] == ["customer", "bot"]
    assert (await client.post("/webhooks/telegram", json={})).status == 404  # no webhook in polling mode


async def test_webhook_mode_registers_the_webhook_with_its_secret(aiohttp_client, tmp_path, fake_telegram):
    url = "https://bot.example.com/webhooks/telegram"
    settings = telegram_settings(tmp_path, fake_telegram, KEFU_CHANNELS__TELEGRAM__WEBHOOK_URL=url)
    await aiohttp_client(create_app(settings))
    [registered] = fake_telegram.called("setWebhook")
    assert registered["url"] == url and registered["secret_token"] == SECRET
    assert registered["allowed_updates"] == ["message", "edited_message", "callback_query"]
