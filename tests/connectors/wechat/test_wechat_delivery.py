"""WeChat's deadline and retries, customer-service messages, the reply window and access_token."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
import xmltodict

from bot.messages import Button, OutboundMessage
from connectors.delivery_log import DeliveryFailed
from tests.connectors.wechat.conftest import OPENID, channel_of, payload, stored

ORDER_QUESTION = payload("text.xml", Content="我的订单到哪了", MsgId="900001")


async def test_a_retry_storm_stores_one_message_and_answers_once(client, wechat, fake_wechat) -> None:
    query, body = wechat.encrypted(payload("text.xml"))  # WeChat resends the very same request
    responses = await asyncio.gather(*(client.post("/webhooks/wechat", params=query, data=body) for _ in range(3)))
    texts = [await r.text() for r in responses]
    await channel_of(client).drain()
    assert all(r.status == 200 for r in responses)
    assert sorted(t == "success" for t in texts) == [False, True, True]  # one passive answer
    assert [r.author for r in await stored(client)] == ["customer", "bot"]
    assert fake_wechat.sent == []


async def test_a_slow_answer_says_success_first_then_sends_it_exactly_once(client, wechat, fake_wechat, action_server) -> None:
    # The order question runs a custom action; the action server holds its answer until the gate opens.
    query, body = wechat.encrypted(ORDER_QUESTION)
    first = await client.post("/webhooks/wechat", params=query, data=body)
    assert await first.text() == "success"  # within the budget, before the answer exists
    retries = await asyncio.gather(*(client.post("/webhooks/wechat", params=query, data=body) for _ in range(2)))
    assert [await r.text() for r in retries] == ["success", "success"]
    assert fake_wechat.sent == []
    action_server.gate.set()
    await channel_of(client).drain()
    assert fake_wechat.texts_to(OPENID) == ["您的订单已发货，预计明天送达。"]
    assert len(action_server.requests) == 1
    assert [r.author for r in await stored(client)] == ["customer", "bot"]


async def test_an_agent_reply_goes_out_as_a_customer_service_message(client, wechat, fake_wechat) -> None:
    await wechat.post_plain(payload("text.xml"))
    channel = channel_of(client)
    await channel.send(OutboundMessage("wechat", OPENID, "c1", "您好，我是客服小王。", sender="agent",
                                       buttons=(Button("已解决", "/feedback:yes:m1"),)))
    [sent] = fake_wechat.sent
    assert sent["touser"] == OPENID and sent["msgtype"] == "text"
    assert sent["text"]["content"].startswith("您好，我是客服小王。") and "1. 已解决" in sent["text"]["content"]
    window = await channel.reply_window(OPENID)
    assert window.open and window.last_failure is None
    assert window.until - datetime.now(timezone.utc) > timedelta(hours=47)


async def test_45015_is_recorded_for_the_agent_and_raised(client, wechat, fake_wechat) -> None:
    await wechat.post_plain(payload("text.xml"))
    fake_wechat.fail("message/custom/send", 45015, "response out of time limit or subscription is canceled")
    channel = channel_of(client)
    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(OutboundMessage("wechat", OPENID, "c1", "还在吗？", sender="agent", message_id="m-9"))
    assert failed.value.failure.code == "45015"
    window = await channel.reply_window(OPENID)
    assert not window.open
    assert window.last_failure.message_id == "m-9" and "48" in window.last_failure.detail
    # A later message from the customer opens the window again.
    await wechat.post_plain(payload("text.xml", MsgId="77"))
    assert (await channel.reply_window(OPENID)).open


async def test_the_access_token_is_fetched_once_and_refreshed_on_40001_and_42001(client, wechat, fake_wechat) -> None:
    channel = channel_of(client)
    for text in ("一", "二"):
        await channel.send(OutboundMessage("wechat", OPENID, "c1", text, sender="agent"))
    assert fake_wechat.token_fetches == 1
    fake_wechat.expire_token()  # the next call gets 40001 with the old token
    await channel.send(OutboundMessage("wechat", OPENID, "c1", "三", sender="agent"))
    fake_wechat.fail("message/custom/send", 42001, "access_token expired")
    await channel.send(OutboundMessage("wechat", OPENID, "c1", "四", sender="agent"))
    assert fake_wechat.token_fetches == 3
    assert fake_wechat.texts_to(OPENID) == ["一", "二", "三", "四"]


async def test_a_passive_reply_answers_the_retry_that_carries_it(client, wechat) -> None:
    """Events have no MsgId: two menu clicks at different times are two questions, a resend is one."""
    click = payload("click.xml")
    first = xmltodict.parse(await (await wechat.post_plain(click)).text())["xml"]
    resend = await wechat.post_plain(click)
    later = xmltodict.parse(await (await wechat.post_plain(payload("click.xml", CreateTime="1714037999"))).text())["xml"]
    assert "申请发票" in first["Content"] and await resend.text() == "success" and "申请发票" in later["Content"]
    assert [r.author for r in await stored(client)].count("customer") == 2
