"""WeCom kf: encrypted callbacks through the real app, sync_msg pulls and send_msg against a fake WeCom."""
from __future__ import annotations

import pytest

from bot.app import create_app
from bot.messages import OutboundMessage
from bot.settings import SettingsError
from connectors.delivery_log import DeliveryFailed
from tests.connectors.wecom.conftest import (
    CUSTOMER, KFID, WeComSim, channel_of, customer_text, signal_and_wait, stored, sync_items, wecom_settings,
)


async def test_url_verification_returns_the_decrypted_echostr(client, wecom) -> None:
    response = await wecom.verify_url("1616140317555161061")
    assert response.status == 200 and await response.text() == "1616140317555161061"
    assert (await wecom.verify_url("1616140317555161061", token="wrong")).status == 403


async def test_only_customer_messages_are_answered_never_system_or_servicer_ones(client, wecom, fake_wecom) -> None:
    fake_wecom.messages[KFID] = sync_items()
    response = await signal_and_wait(wecom, client)
    assert response.status == 200 and await response.text() == "success"
    replies = fake_wecom.texts_to(CUSTOMER)
    assert len(replies) == 2  # the text question and the image; not the event (4) or the servicer (5)
    assert "48 小时内发货" in replies[0] and "只能看懂文字" in replies[1]
    customer_rows = [r for r in await stored(client) if r.author == "customer"]
    assert [r.text for r in customer_rows] == ["下单后几天发货", ""]
    assert customer_rows[1].meta["attachments"][0]["media_id"] == "2iSLeVyqzk4eX0IB5kTi9Ljfa2rt9dwfq5WKRQ4Nvvgw"
    first = fake_wecom.sent[0]
    assert first["open_kfid"] == KFID and first["msgid"] and len(first["msgid"]) <= 32


async def test_the_cursor_is_kept_per_kf_account_and_messages_are_never_answered_twice(client, wecom, fake_wecom) -> None:
    other = "wkOTHERACCOUNT0000000000000000000"
    fake_wecom.messages[KFID] = sync_items()
    fake_wecom.messages[other] = [customer_text("other-1", "怎么退货", kfid=other)]
    await signal_and_wait(wecom, client)
    await signal_and_wait(wecom, client, kfid=other)
    fake_wecom.messages[KFID].append(customer_text("new-1", "怎么开发票"))
    await signal_and_wait(wecom, client)
    cursors = [(c["open_kfid"], c["cursor"]) for c in fake_wecom.called("kf/sync_msg")]
    assert cursors == [(KFID, ""), (KFID, "2"), (other, ""), (KFID, "4")]
    assert len(fake_wecom.sent) == 4  # two from the first pull, one per new message
    # A re-pull from the start (a lost cursor) serves everything again: nothing is answered twice.
    await channel_of(client).store.delete(f"wecom:cursor:{KFID}")
    await signal_and_wait(wecom, client)
    assert len(fake_wecom.sent) == 4


async def test_buttons_become_a_msgmenu_and_a_click_sends_the_payload(client, wecom, fake_wecom) -> None:
    fake_wecom.messages[KFID] = [customer_text("q-1", "下单后几天发货")]
    await signal_and_wait(wecom, client)
    menu = fake_wecom.sent[0]["msgmenu"]
    assert [item["click"]["content"] for item in menu["list"]] == ["有帮助", "没帮助"]
    helpful = menu["list"][0]["click"]
    fake_wecom.messages[KFID].append(customer_text("q-2", helpful["content"], menu_id=helpful["id"]))
    await signal_and_wait(wecom, client)
    rows = await stored(client)
    assert rows[-2].text.startswith("/feedback:yes:") and rows[-1].kind == "feedback"


async def test_wrong_signature_or_stale_callback_is_refused_and_nothing_is_pulled(client, wecom, fake_wecom) -> None:
    fake_wecom.messages[KFID] = sync_items()
    assert (await signal_and_wait(wecom, client, token="wrong")).status == 403
    assert (await signal_and_wait(wecom, client, timestamp="1411525903")).status == 403
    assert fake_wecom.called("kf/sync_msg") == [] and await stored(client) == []


async def test_malformed_callback_gets_400(client) -> None:
    response = await client.post("/webhooks/wecom", data=b"<xml>broken")
    assert response.status == 400


async def test_an_agent_reply_goes_out_with_send_msg_and_a_refusal_is_recorded(client, fake_wecom) -> None:
    channel = channel_of(client)
    user = f"{KFID}/{CUSTOMER}"
    await channel.send(OutboundMessage("wecom", user, "c1", "您好，我是客服小王。", sender="agent", message_id="a" * 32))
    [sent] = fake_wecom.sent
    assert (sent["touser"], sent["open_kfid"], sent["text"]["content"]) == (CUSTOMER, KFID, "您好，我是客服小王。")
    assert sent["msgid"] == "a" * 28 + "_0"
    fake_wecom.fail("kf/send_msg", 95018)
    with pytest.raises(DeliveryFailed):
        await channel.send(OutboundMessage("wecom", user, "c1", "还在吗？", sender="agent", message_id="m-2"))
    assert (await channel.failures.last(user)).code == "95018"


async def test_handoff_to_wecom_servicers_and_silence_while_they_hold_the_session(aiohttp_client, tmp_path, fake_wecom) -> None:
    settings = wecom_settings(tmp_path, fake_wecom, KEFU_CHANNELS__WECOM__HANDOFF="wecom",
                              KEFU_CHANNELS__WECOM__SERVICER_USERID="zhangsan")
    client = await aiohttp_client(create_app(settings))
    sim = WeComSim(client)
    fake_wecom.messages[KFID] = [customer_text("h-1", "转人工")]
    await signal_and_wait(sim, client)
    [trans] = fake_wecom.called("kf/service_state/trans")
    assert trans == {"open_kfid": KFID, "external_userid": CUSTOMER, "service_state": 3, "servicer_userid": "zhangsan"}
    answered = len(fake_wecom.sent)
    fake_wecom.messages[KFID].append(customer_text("h-2", "下单后几天发货"))
    await signal_and_wait(sim, client)
    assert len(fake_wecom.sent) == answered  # the servicer answers, not the bot
    assert [r.text for r in await stored(client) if r.author == "customer"][-1] == "下单后几天发货"


async def test_the_access_token_is_refreshed_when_wecom_says_it_is_invalid(client, wecom, fake_wecom) -> None:
    fake_wecom.messages[KFID] = [customer_text("t-1", "下单后几天发货")]
    fake_wecom.fail("kf/sync_msg", 40014)
    await signal_and_wait(wecom, client)
    assert fake_wecom.token_fetches == 2 and len(fake_wecom.sent) == 1


def test_missing_secrets_fail_at_start_naming_the_variable(tmp_path) -> None:
    fake = type("F", (), {"url": "http://127.0.0.1:9"})()
    with pytest.raises(SettingsError, match="KEFU_WECOM_SECRET"):
        create_app(wecom_settings(tmp_path, fake, KEFU_WECOM_SECRET=""))
