"""Recorded Telegram updates posted to the webhook of the real app; answers reach the fake Bot API."""
from __future__ import annotations

import pytest

from bot.messages import Button, OutboundMessage
from bot.settings import SettingsError
from bot.app import create_app
from connectors.delivery_log import DeliveryFailed
from tests.connectors.telegram.conftest import (
    CHAT, channel_of, payload, post_update, stored, telegram_settings,
)


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
async def test_missing_or_wrong_secret_is_refused_and_nothing_is_stored(client, fake_telegram, secret):
    response = await post_update(client, payload("text_message"), secret=secret)
    assert response.status == 403
    assert (await response.json())["error"]["code"] == "bad_secret"
    await channel_of(client).drain()
    assert await stored(client) == []
    assert fake_telegram.sent == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"message": {}}', b'{"update_id": "7"}'])
async def test_malformed_updates_get_a_clear_400(client, body):
    response = await client.post("/webhooks/telegram", data=body,
                                 headers={"X-Telegram-Bot-Api-Secret-Token": "telegram-webhook-secret-for-tests"})
    assert response.status == 400
    assert (await response.json())["error"]["code"] in ("malformed_json", "bad_update")
    assert await stored(client) == []


async def test_a_question_is_answered_with_the_faq_answer_and_feedback_buttons(client, fake_telegram):
    response = await post_update(client, payload("text_message"))
    assert response.status == 200
    await channel_of(client).drain()
    [answer] = fake_telegram.sent
    assert int(answer["chat_id"]) == CHAT and "48 小时内发货" in answer["text"]
    keyboard = answer["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["有帮助", "没帮助"]
    assert all(len(row[0]["callback_data"].encode()) <= 64 for row in keyboard)
    rows = await stored(client)
    assert [(r.author, r.text) for r in rows][0] == ("customer", "下单后几天发货")


async def test_a_resent_update_is_answered_once(client, fake_telegram):
    for _ in range(3):
        assert (await post_update(client, payload("text_message"))).status == 200
    await channel_of(client).drain()
    assert len(fake_telegram.sent) == 1
    assert [r.author for r in await stored(client)] == ["customer", "bot"]


async def test_pressing_a_button_answers_the_callback_and_sends_the_payload(client, fake_telegram):
    await post_update(client, payload("text_message"))
    await channel_of(client).drain()
    helpful_key = fake_telegram.sent[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    press = payload("callback_query")
    press["callback_query"]["data"] = helpful_key
    await post_update(client, press)
    await channel_of(client).drain()
    [answered] = fake_telegram.called("answerCallbackQuery")
    assert answered["callback_query_id"] == "4382bfdwdsb323b2d9" and "text" not in answered
    rows = await stored(client)
    assert rows[-2].author == "customer" and rows[-2].text.startswith("/feedback:yes:")
    assert rows[-1].kind == "feedback" and fake_telegram.sent[-1]["text"] == rows[-1].text


async def test_an_expired_button_is_still_answered_and_nothing_is_stored(client, fake_telegram):
    press = payload("callback_query")
    press["callback_query"]["data"] = "no-such-key"
    await post_update(client, press)
    await channel_of(client).drain()
    [answered] = fake_telegram.called("answerCallbackQuery")
    assert "过期" in answered["text"]
    assert await stored(client) == [] and fake_telegram.sent == []


async def test_clarify_options_become_an_inline_keyboard_whose_keys_map_to_payloads(client, fake_telegram):
    options = (Button("怎么开发票", "/faq:invoice"), Button("怎么退货", "/faq:return_policy"), Button("都不是", "/none"))
    await channel_of(client).send(OutboundMessage("telegram", str(CHAT), "c1", "您是想问以下哪个问题？", options, kind="clarify"))
    keyboard = fake_telegram.sent[0]["reply_markup"]["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["怎么开发票", "怎么退货", "都不是"]
    press = payload("callback_query")
    press["callback_query"]["data"] = keyboard[1][0]["callback_data"]
    await post_update(client, press)
    await channel_of(client).drain()
    assert "7 天内可无理由退货" in fake_telegram.sent[-1]["text"]


@pytest.mark.parametrize("name, kind, media_id", [
    ("photo", "image", "AgACAgUAAxkBAAIBQ2YqLarge"),
    ("sticker", "sticker", "CAACAgIAAxkBAAIBRGYqStickerFileId"),
    ("voice", "voice", "AwACAgUAAxkBAAIBRWYqVoiceFileId"),
])
async def test_non_text_messages_get_a_polite_reply_and_keep_the_attachment(client, fake_telegram, name, kind, media_id):
    await post_update(client, payload(name))
    await channel_of(client).drain()
    assert "只能看懂文字" in fake_telegram.sent[0]["text"]
    customer = (await stored(client))[0]
    assert customer.author == "customer" and customer.text == ""
    assert customer.meta["attachments"][0] | {} == {"kind": kind, "url": "", "media_id": media_id,
                                                    "name": customer.meta["attachments"][0]["name"]}


async def test_an_edited_message_is_answered_as_the_new_text(client, fake_telegram):
    await post_update(client, payload("edited_message"))
    await channel_of(client).drain()
    assert "7 天内可无理由退货" in fake_telegram.sent[0]["text"]
    customer = (await stored(client))[0]
    assert customer.meta["channel_metadata"]["edited"] is True


async def test_an_agent_reply_goes_out_with_send_message_split_at_4096(client, fake_telegram):
    long_text = "您好，" + "这是人工客服的详细说明。" * 500
    await channel_of(client).send(OutboundMessage("telegram", str(CHAT), "c1", long_text, sender="agent"))
    parts = [m["text"] for m in fake_telegram.sent]
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "".join(parts) == long_text


async def test_a_refused_agent_reply_is_recorded_and_raised(client, fake_telegram):
    fake_telegram.fail("sendMessage", status=403, description="Forbidden: bot was blocked by the user")
    channel = channel_of(client)
    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(OutboundMessage("telegram", str(CHAT), "c1", "您好", sender="agent", message_id="m-1"))
    assert failed.value.failure.code == "Forbidden"
    recorded = await channel.failures.last(str(CHAT))
    assert recorded.message_id == "m-1" and "blocked" in recorded.detail


def test_enabled_without_token_fails_at_start_naming_the_variable(tmp_path):
    settings = telegram_settings(tmp_path, type("F", (), {"url": "http://127.0.0.1:9"})(), KEFU_TELEGRAM_TOKEN="")
    with pytest.raises(SettingsError, match="KEFU_TELEGRAM_TOKEN"):
        create_app(settings)


def test_webhook_mode_without_secret_fails_at_start_naming_the_variable(tmp_path):
    settings = telegram_settings(tmp_path, type("F", (), {"url": "http://127.0.0.1:9"})(),
                                 KEFU_TELEGRAM_WEBHOOK_SECRET="")
    with pytest.raises(SettingsError, match="KEFU_TELEGRAM_WEBHOOK_SECRET"):
        create_app(settings)
