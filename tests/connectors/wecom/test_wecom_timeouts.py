"""WeCom's kf API not answering in time, against the fake WeCom server.

A timed-out `kf/send_msg` is reported, not retried: the stored message is marked with code -4
("may or may not have arrived") for the agent, and the pull goes on with the next messages.
"""
from __future__ import annotations

import pytest

from bot.app import create_app
from bot.messages import OutboundMessage
from connectors.delivery_log import DeliveryFailed
from connectors.wechat_api import TIMED_OUT
from tests.connectors.wecom.conftest import (
    CUSTOMER, KFID, WeComSim, channel_of, customer_text, signal_and_wait, stored, wecom_settings,
)


@pytest.fixture
async def client(aiohttp_client, tmp_path, fake_wecom):
    settings = wecom_settings(tmp_path, fake_wecom, KEFU_CHANNELS__WECOM__API_TIMEOUT_SECONDS="1")
    return await aiohttp_client(create_app(settings))


async def test_a_timed_out_answer_is_marked_for_the_agent_and_the_next_message_is_answered(client, fake_wecom) -> None:
    sim = WeComSim(client)
    fake_wecom.hang("kf/send_msg", 30)
    fake_wecom.messages[KFID] = [customer_text("slow-1", "下单后几天发货")]
    await signal_and_wait(sim, client)
    assert len(fake_wecom.called("kf/send_msg")) == 1  # reported, not retried
    rows = await stored(client)
    assert [(r.author, r.text) for r in rows][0] == ("customer", "下单后几天发货")
    assert rows[1].author == "bot" and rows[1].meta["delivery"] | {} == {
        "ok": False, "code": str(TIMED_OUT), "detail": rows[1].meta["delivery"]["detail"]}
    assert "may or may not" in rows[1].meta["delivery"]["detail"]

    fake_wecom.messages[KFID].append(customer_text("slow-2", "怎么退货"))
    await signal_and_wait(sim, client)
    assert "7 天内可无理由退货" in fake_wecom.texts_to(CUSTOMER)[-1]


async def test_a_timed_out_agent_reply_raises_delivery_failed_with_the_timeout_code(client, fake_wecom) -> None:
    fake_wecom.hang("kf/send_msg", 30)
    channel, user = channel_of(client), f"{KFID}/{CUSTOMER}"
    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(OutboundMessage("wecom", user, "c1", "请稍等", sender="agent", message_id="m-7"))
    assert failed.value.failure.code == str(TIMED_OUT)
    assert (await channel.failures.last(user)).message_id == "m-7"
