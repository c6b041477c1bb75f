"""The Rasa REST channel in one process (no Redis): answers, errors, and replies kept for later."""
from __future__ import annotations

import pytest

from bot.app import CHANNEL_MAP, create_app
from bot.messages import Button
from connectors.pending_store import MemoryPendingStore
from tests.connectors.rest_customer import agent_reply, ask
from tests.bot.dialogue_harness import FIXTURES
from tests.conftest import make_settings


@pytest.fixture
async def client(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FIXTURES / "shop_faq.json"))
    return await aiohttp_client(create_app(settings))


async def test_without_redis_the_store_is_this_processs_memory(client) -> None:
    assert isinstance(client.app[CHANNEL_MAP]["rest"].pending, MemoryPendingStore)


async def test_health_and_a_bot_answer(client) -> None:
    assert await (await client.get("/webhooks/rest/")).json() == {"status": "ok"}
    replies = await ask(client, "c1", "怎么退货")
    assert replies and all(r["recipient_id"] == "c1" and r["text"] for r in replies)


async def test_bad_requests_name_the_field(client) -> None:
    for body, code in (({"message": "hi"}, "missing_sender"), ({"sender": "c1"}, "missing_message"),
                       ({"sender": "c1", "message": "hi", "metadata": "x"}, "bad_metadata")):
        resp = await client.post("/webhooks/rest/webhook", json=body)
        assert resp.status == 400 and (await resp.json())["error"]["code"] == code


async def test_messages_between_requests_come_first_with_the_next_request_once(client) -> None:
    channel = client.app[CHANNEL_MAP]["rest"]
    await channel.send(agent_reply("c1", "第一条"))
    await channel.send(agent_reply("c1", "第二条"))
    await channel.send(agent_reply("c2", "not yours"))
    first = await ask(client, "c1", "怎么退货")
    assert [r["text"] for r in first[:2]] == ["第一条", "第二条"] and len(first) > 2
    again = await ask(client, "c1", "怎么退货")
    assert not {"第一条", "第二条", "not yours"} & {r["text"] for r in again}


async def test_buttons_keep_title_and_payload(client) -> None:
    buttons = (Button("退货", "/return"), Button("Track order", '/track{"id": 7}'))
    await client.app[CHANNEL_MAP]["rest"].send(agent_reply("c1", "请选择", buttons))
    assert (await ask(client, "c1", "你好"))[0] == {
        "recipient_id": "c1", "text": "请选择",
        "buttons": [{"title": "退货", "payload": "/return"}, {"title": "Track order", "payload": '/track{"id": 7}'}],
    }
