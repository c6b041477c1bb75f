"""Prometheus metrics: the observers' counts in the standard text format, served by the real app."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from bot.app import SERVICES
from bot.metrics import METRICS, Metrics, setup_metrics
from bot.storage.conversation_store import NewMessage
from tests.analytics.app_setup import dashboard_app
from tests.conftest import make_settings

SHOP_FAQ = Path(__file__).resolve().parents[1] / "bot" / "fixtures" / "shop_faq.json"


def samples(text: str) -> dict[tuple, float]:
    """{(sample name, sorted labels): value} of a scrape."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text) for s in family.samples
    }


def turn(*decisions: str | None) -> list[NewMessage]:
    return [NewMessage("bot", "…", "answer", (), {"decision": d} if d else {}) for d in decisions]


def test_turns_are_counted_by_channel_and_decision_with_their_latency():
    metrics = Metrics()
    metrics.observe_turn("web", turn("answer"), 0.02)
    metrics.observe_turn("web", turn("answer", "answer"), 0.3)  # an action's two replies: one message
    metrics.observe_turn("web", turn(None, "no_answer"), 0.04)  # the decision, wherever it is
    metrics.observe_turn("wechat", turn("clarify"), 1.5)
    metrics.observe_turn("wechat", turn(None), 0.01)  # small talk
    metrics.observe_turn("wechat", None, 0.005)  # a person holds the conversation
    metrics.observe_handoff("customer_request")
    metrics.observe_handoff("customer_request")
    metrics.observe_handoff("repeated_misses")
    got = samples(metrics.render().decode())
    count = lambda ch, d: got[("kefu_messages_total", (("channel", ch), ("decision", d)))]  # noqa: E731
    assert (count("web", "answer"), count("web", "no_answer"), count("wechat", "clarify")) == (2, 1, 1)
    assert (count("wechat", "other"), count("wechat", "agent")) == (1, 1)
    assert got[("kefu_reply_seconds_count", (("channel", "web"),))] == 3
    assert abs(got[("kefu_reply_seconds_sum", (("channel", "web"),))] - 0.36) < 1e-9
    assert got[("kefu_reply_seconds_bucket", (("channel", "web"), ("le", "0.05")))] == 2
    assert got[("kefu_reply_seconds_bucket", (("channel", "wechat"), ("le", "+Inf")))] == 3
    assert got[("kefu_handoffs_total", (("reason", "customer_request"),))] == 2
    assert got[("kefu_handoffs_total", (("reason", "repeated_misses"),))] == 1


def test_each_app_has_its_own_registry():
    first, second = Metrics(), Metrics()  # the global registry would refuse the second
    first.observe_handoff("customer_request")
    assert ("kefu_handoffs_total", (("reason", "customer_request"),)) not in samples(second.render().decode())


def test_metrics_can_be_switched_off():
    app = web.Application()
    setup_metrics(app, enabled=False)
    assert METRICS in app  # the observers still work, nothing is served
    assert "/metrics" not in {getattr(r.resource, "canonical", "") for r in app.router.routes()}


async def test_the_app_serves_metrics_with_the_queue_read_from_the_database(aiohttp_client, tmp_path):
    client = await aiohttp_client(dashboard_app(make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(SHOP_FAQ))))
    services = client.app[SERVICES]
    for user in ("u1", "u2", "u3"):
        conv = await services.conversations.current("web", user)
        await services.handoffs.open(conv.id, "customer_request", "", "zh", "")
    await services.handoffs.assign(conv.id, "someone")  # the third is with an agent, not waiting
    resp = await client.get("/metrics")  # no login: meant for a scraper on the internal network
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/plain; version=")
    got = samples(await resp.text())
    assert got[("kefu_queue_length", ())] == 2
    assert any(name.startswith("process_") for name, _ in got)
