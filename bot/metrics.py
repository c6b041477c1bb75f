"""Prometheus metrics for operations, served at `/metrics` in the standard text format.

- kefu_messages_total{channel, decision}: customer messages handled; decision is the bot's
  (answer | clarify | no_answer), `other` (small talk, buttons, flows, handoff requests) or
  `agent` (a person holds the conversation, the bot stayed silent).
- kefu_reply_seconds{channel}: histogram of the time from a message's arrival at the engine to its
  replies being stored (includes waiting behind the same customer's previous message).
- kefu_handoffs_total{reason}: handoffs to a person opened, by reason.
- kefu_queue_length: conversations waiting for an agent, read from the database at each scrape,
  so every process reports the same figure.
- process_*: this process's CPU, memory and open files (one process only, see below).

With one process (`kefu run`, the default) the metrics live in a registry of their own per app
(not prometheus_client's global one), so several apps in one process (tests) do not clash.

`kefu run --workers N` (N > 1) serves N processes on one port, and a scrape lands on any of them.
It sets PROMETHEUS_MULTIPROC_DIR (`<server.data_dir>/prometheus`, emptied at each start) before
it spawns the workers: prometheus_client then keeps every value in a file per process, and
`/metrics` serves all of them merged by `MultiProcessCollector`, whichever worker answers.
Counters and histograms are summed over the workers, including those that have exited. The queue
gauge is `mostrecent`: the worker that answers reads the database just before, so its figure is
the newest. process_* is not served then (prometheus_client cannot merge it); watch the
processes with the host's tools or node_exporter.

Access: like most exporters, `/metrics` has no login; it is meant for a scraper on the internal
network. It is served on the app's own host and port (server.host, 127.0.0.1 by default) and can
be switched off with `server.metrics_enabled: false`, e.g. when the port is public and the proxy
in front does not block the path.
"""
from __future__ import annotations

import os
from typing import Any, Sequence

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, ProcessCollector
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

from bot.app_keys import SERVICES
from bot.storage.database import Database
from bot.storage.tables import handoffs

# Set by `kefu run` for several workers; prometheus_client reads the same variable.
MULTIPROC_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
DECISIONS = ("answer", "clarify", "no_answer")
# Seconds; the bot answers in milliseconds, an action server or a slow database in seconds.
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

__all__ = ["METRICS", "MULTIPROC_DIR_VARIABLE", "Metrics", "setup_metrics"]


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        # The variable also switches prometheus_client's values to files when it is imported.
        self.multiprocess_dir = os.environ.get(MULTIPROC_DIR_VARIABLE)
        self.messages = Counter(
            "kefu_messages", "Customer messages handled, by channel and the bot's decision.",
            ["channel", "decision"], registry=self.registry,
        )
        self.reply_seconds = Histogram(
            "kefu_reply_seconds", "Seconds from a customer message reaching the engine to its replies being stored.",
            ["channel"], buckets=LATENCY_BUCKETS, registry=self.registry,
        )
        self.handoffs = Counter("kefu_handoffs", "Handoffs to a person opened, by reason.", ["reason"], registry=self.registry)
        self.queue_length = Gauge(
            "kefu_queue_length", "Conversations waiting in the queue for an agent.", registry=self.registry,
            multiprocess_mode="mostrecent",
        )
        if not self.multiprocess_dir:
            ProcessCollector(registry=self.registry)

    # -- observers the engine and the desk call ------------------------------------------------
    def observe_message(self, channel: str, decision: str, seconds: float) -> None:
        self.messages.labels(channel=channel, decision=decision).inc()
        self.reply_seconds.labels(channel=channel).observe(max(0.0, seconds))

    def observe_turn(self, channel: str, replies: Sequence[Any] | None, seconds: float) -> None:
        """Engine observer: `replies` are the turn's new messages (with `.meta`), None when a
        person holds the conversation and the bot did not answer."""
        self.observe_message(channel, decision_of(replies), seconds)

    def observe_handoff(self, reason: str) -> None:
        self.handoffs.labels(reason=reason or "unknown").inc()

    # -- exposition ----------------------------------------------------------------------------
    async def refresh(self, db: Database) -> None:
        query = select(func.count()).select_from(handoffs).where(handoffs.c.status == "queued")
        async with db.engine.connect() as conn:
            self.queue_length.set((await conn.execute(query)).scalar_one())

    def render(self) -> bytes:
        if not self.multiprocess_dir:
            return generate_latest(self.registry)
        merged = CollectorRegistry()  # read afresh at each scrape: the files of every worker
        MultiProcessCollector(merged, path=self.multiprocess_dir)
        return generate_latest(merged)


def decision_of(replies: Sequence[Any] | None) -> str:
    """The knowledge-base decision of a turn: its first reply's `meta.decision`; `agent` for None."""
    if replies is None:
        return "agent"
    for reply in replies:
        decision = (getattr(reply, "meta", None) or {}).get("decision")
        if decision:
            return decision if decision in DECISIONS else "other"
    return "other"


METRICS = web.AppKey("metrics", Metrics)


def setup_metrics(app: web.Application, enabled: bool) -> Metrics:
    """Create the app's metrics; serve them at /metrics when `enabled` (server.metrics_enabled)."""
    metrics = app[METRICS] = Metrics()
    if enabled:
        app.router.add_get("/metrics", _scrape)
    return metrics


async def _scrape(request: web.Request) -> web.Response:
    metrics = request.app[METRICS]
    await metrics.refresh(request.app[SERVICES].db)
    return web.Response(body=metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
