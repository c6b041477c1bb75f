"""/metrics counts what really happens: messages through a channel, the bot's decisions, a handoff
and the queue, via the engine's and the desk's observers wired in bot/app.py."""
from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bot.app import SERVICES, create_app
from bot.auth.user_store import UserStore
from tests.conftest import make_settings

SHOP_FAQ = Path(__file__).resolve().parents[1] / "bot" / "fixtures" / "shop_faq.json"


def samples(text: str) -> dict[tuple, float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


async def test_messages_decisions_handoffs_and_the_queue(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(SHOP_FAQ), KEFU_HANDOFF__ROUTING="claim")
    client = await aiohttp_client(create_app(settings))
    users = UserStore(client.app[SERVICES].db)
    agent = await users.create("li", "correct horse battery", "agent", display_name="Li")
    await users.set_status(agent.id, "away")  # on duty: a request for a person queues

    async def say(sender: str, text: str) -> None:
        resp = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
        assert resp.status == 200, await resp.text()

    await say("u1", "多久发货")  # answered from the FAQ
    await say("u1", "你们卖火星土吗 xyzzy")  # nothing like it in the FAQ
    await say("u2", "转人工")  # asks for a person: queued
    await say("u2", "还在吗")  # the bot is silent while a person holds it
    got = samples(await (await client.get("/metrics")).text())
    count = lambda d: got.get(("kefu_messages_total", (("channel", "rest"), ("decision", d))), 0)  # noqa: E731
    assert (count("answer"), count("no_answer"), count("other"), count("agent")) == (1, 1, 1, 1)
    assert got[("kefu_reply_seconds_count", (("channel", "rest"),))] == 4
    assert got[("kefu_handoffs_total", (("reason", "customer_request"),))] == 1
    assert got[("kefu_queue_length", ())] == 1


async def test_metrics_can_be_switched_off_in_the_settings(aiohttp_client, tmp_path):
    settings = make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(SHOP_FAQ), KEFU_SERVER__METRICS_ENABLED="false")
    client = await aiohttp_client(create_app(settings))
    assert (await client.get("/metrics")).status == 404
