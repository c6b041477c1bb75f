"""Recorded WeChat callbacks, in every mode, posted through the real app and answered by the real engine."""
from __future__ import annotations

import time

import pytest
import xmltodict

from bot.app import create_app
from bot.settings import SettingsError
from connectors.wechat_crypto import signature
from tests.connectors.wechat.conftest import (
    AES_KEY, OPENID, PAYLOADS, TOKEN, WeChatSim, channel_of, decrypt_reply, payload, stored, wechat_settings,
)


def reply_of(text: str) -> dict:
    return xmltodict.parse(text)["xml"]


async def test_url_verification_echoes_echostr(client) -> None:
    ts, nonce = str(int(time.time())), "486452656"
    query = {"signature": signature(TOKEN, ts, nonce), "timestamp": ts, "nonce": nonce, "echostr": "5837397749"}
    response = await client.get("/webhooks/wechat", params=query)
    assert response.status == 200 and await response.text() == "5837397749"
    query["signature"] = signature("wrong-token", ts, nonce)
    assert (await client.get("/webhooks/wechat", params=query)).status == 403


async def test_a_plaintext_question_gets_a_passive_answer_with_numbered_options(client, wechat) -> None:
    response = await wechat.post_plain(payload("text.xml"))
    assert response.status == 200
    reply = reply_of(await response.text())
    assert reply["ToUserName"] == OPENID and reply["FromUserName"] == "gh_3c884a361561"
    assert "48 小时内发货" in reply["Content"] and "1. 有帮助" in reply["Content"] and "2. 没帮助" in reply["Content"]
    # The customer answers "1": the number maps back to the "helpful" button.
    again = reply_of(await (await wechat.post_plain(payload("text.xml", Content="1", MsgId="2"))).text())
    rows = await stored(client)
    assert rows[2].author == "customer" and rows[2].text.startswith("/feedback:yes:")
    assert rows[3].kind == "feedback" and again["Content"] == rows[3].text


async def test_an_encrypted_question_gets_an_encrypted_answer(client, wechat) -> None:
    response = await wechat.post_encrypted(payload("text.xml"))
    assert response.status == 200
    assert "48 小时内发货" in decrypt_reply(await response.text())["Content"]


async def test_the_real_vector_through_the_app_is_refused_as_stale_and_nothing_is_stored(client) -> None:
    query = {"timestamp": "1411525903", "nonce": "461056294", "encrypt_type": "aes",
             "msg_signature": "74d92dfeb87ba7c714f89d98870ae5eb62dff26d"}
    response = await client.post("/webhooks/wechat", params=query, data=(PAYLOADS / "real_encrypted_vector.xml").read_bytes())
    assert response.status == 403 and "timestamp" in (await response.json())["error"]["message"]
    assert await stored(client) == []


@pytest.mark.parametrize("how", ["plain_wrong_token", "encrypted_wrong_key", "stale"])
async def test_bad_signatures_and_replays_get_403_and_nothing_is_stored(client, wechat, fake_wechat, how) -> None:
    if how == "plain_wrong_token":
        response = await wechat.post_plain(payload("text.xml"), token="not-the-token")
    elif how == "encrypted_wrong_key":
        response = await wechat.post_encrypted(payload("text.xml"), key="abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG")
    else:
        response = await wechat.post_plain(payload("text.xml"), timestamp=str(int(time.time()) - 3600))
    assert response.status == 403
    await channel_of(client).drain()
    assert await stored(client) == [] and fake_wechat.calls == []


async def test_the_previous_aes_key_is_accepted_during_rotation(aiohttp_client, tmp_path, fake_wechat, action_server) -> None:
    new_key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
    settings = wechat_settings(tmp_path, fake_wechat, action_server.url, KEFU_WECHAT_AES_KEY=new_key,
                               KEFU_WECHAT_PREVIOUS_AES_KEY=AES_KEY)
    sim = WeChatSim(await aiohttp_client(create_app(settings)))
    old = await sim.post_encrypted(payload("text.xml"), key=AES_KEY)
    new = await sim.post_encrypted(payload("text.xml", MsgId="3"), key=new_key)
    assert old.status == new.status == 200
    assert "48 小时内发货" in decrypt_reply(await new.text(), key=new_key)["Content"]


async def test_safe_mode_refuses_plaintext_messages(aiohttp_client, tmp_path, fake_wechat, action_server) -> None:
    settings = wechat_settings(tmp_path, fake_wechat, action_server.url, KEFU_CHANNELS__WECHAT__ENCRYPTION="safe")
    client = await aiohttp_client(create_app(settings))
    assert (await WeChatSim(client).post_plain(payload("text.xml"))).status == 403
    assert (await WeChatSim(client).post_encrypted(payload("text.xml"))).status == 200


@pytest.mark.parametrize("body", [b"<xml><oops", b"not xml", b"<xml><ToUserName>x</ToUserName></xml>"])
async def test_malformed_bodies_get_400(client, wechat, body) -> None:
    response = await wechat.post_plain(body.decode())
    assert response.status == 400 and (await response.json())["error"]["code"] == "bad_message"


async def test_voice_with_recognition_is_answered_as_text(client, wechat) -> None:
    reply = reply_of(await (await wechat.post_plain(payload("voice_recognition.xml"))).text())
    assert "48 小时内发货" in reply["Content"]
    customer = (await stored(client))[0]
    assert customer.text == "下单后几天发货？" and customer.meta["attachments"][0]["kind"] == "voice"


@pytest.mark.parametrize("name, kind", [("image.xml", "image"), ("voice.xml", "voice")])
async def test_images_and_unrecognised_voice_get_a_polite_text_only_reply(client, wechat, name, kind) -> None:
    reply = reply_of(await (await wechat.post_plain(payload(name))).text())
    assert "只能看懂文字" in reply["Content"]
    customer = (await stored(client))[0]
    assert customer.text == "" and customer.meta["attachments"][0]["kind"] == kind
    assert customer.meta["attachments"][0]["media_id"]


async def test_subscribe_gets_a_welcome_and_unsubscribe_closes_the_window(client, wechat) -> None:
    reply = reply_of(await (await wechat.post_plain(payload("subscribe.xml"))).text())
    assert "您好" in reply["Content"]
    assert (await channel_of(client).reply_window(OPENID)).open
    response = await wechat.post_plain(payload("unsubscribe.xml"))
    assert await response.text() == "success"
    assert not (await channel_of(client).reply_window(OPENID)).open
    assert await stored(client) == []


async def test_a_menu_click_answers_the_faq_entry_it_points_at(client, wechat) -> None:
    reply = reply_of(await (await wechat.post_plain(payload("click.xml"))).text())
    assert "申请发票" in reply["Content"]
    unmapped = await wechat.post_plain(payload("click.xml", EventKey="UNKNOWN_KEY", CreateTime="1714037300"))
    assert await unmapped.text() == "success"


async def test_a_long_answer_is_split_under_the_byte_limit(client, wechat, fake_wechat) -> None:
    reply = reply_of(await (await wechat.post_plain(payload("text.xml", Content="保修条款全文"))).text())
    await channel_of(client).drain()
    parts = [reply["Content"], *fake_wechat.texts_to(OPENID)]
    assert len(parts) >= 3 and all(len(p.encode()) <= 2000 for p in parts)
    answer = next(r for r in await stored(client) if r.kind == "answer").text
    assert "".join(parts).startswith(answer)


async def test_transfer_to_wechat_agents_in_wechat_kf_mode(aiohttp_client, tmp_path, fake_wechat, action_server) -> None:
    settings = wechat_settings(tmp_path, fake_wechat, action_server.url, KEFU_CHANNELS__WECHAT__HANDOFF="wechat_kf",
                               KEFU_CHANNELS__WECHAT__KF_ACCOUNT="test1@test")
    reply = reply_of(await (await WeChatSim(await aiohttp_client(create_app(settings))).post_plain(
        payload("text.xml", Content="转人工"))).text())
    assert reply["MsgType"] == "transfer_customer_service" and reply["TransInfo"]["KfAccount"] == "test1@test"


@pytest.mark.parametrize("variable", ["KEFU_WECHAT_TOKEN", "KEFU_WECHAT_APP_SECRET", "KEFU_WECHAT_AES_KEY"])
def test_missing_secrets_fail_at_start_naming_the_variable(tmp_path, variable) -> None:
    fake = type("F", (), {"url": "http://127.0.0.1:9"})()
    with pytest.raises(SettingsError, match=variable):
        create_app(wechat_settings(tmp_path, fake, "http://127.0.0.1:9/webhook", **{variable: ""}))
