"""Everything the dashboard shows for one filter, as named tables (rows of plain values) that
serve both the JSON answer and the CSV exports, so a download always matches the screen."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from bot.analytics.answer_stats import AnswerStats
from bot.analytics.figures import ratio, rounded
from bot.analytics.report_filter import ReportFilter
from bot.analytics.satisfaction import Satisfaction
from bot.analytics.service_stats import ServiceStats
from bot.storage.database import Database

# Table name -> its columns, in CSV order.
TABLES: dict[str, tuple[str, ...]] = {
    "summary": ("metric", "value"),
    "channels": ("channel", "conversations", "customer_messages", "bot_messages", "agent_messages", "system_messages", "messages"),
    "daily": ("date", "channel", "conversations"),
    "reasons": ("reason", "handoffs", "share"),
    "decisions": ("decision", "count", "rate"),
    "top_entries": ("entry_id", "question", "answered", "helpful", "not_helpful"),
    "unanswered": ("question", "asked", "customers", "wordings"),
    "satisfaction": ("attribute", "ratings", "mean", "r", "pairs", "score_1", "score_2", "score_3", "score_4", "score_5"),
    "wait": ("bucket", "min_seconds", "max_seconds", "handoffs"),
    "heatmap": ("channel", "weekday", "hour", "conversations"),
}
WAIT_BUCKETS = (0.5, 1, 2, 4)  # upper edges as multiples of the wait target; the last bucket is open


@dataclass
class DashboardReport:
    filter: ReportFilter
    tables: dict[str, list[dict]]

    @classmethod
    async def build(
        cls, db: Database, f: ReportFilter, wait_target_seconds: int, title: Callable[[str], str] = lambda _id: ""
    ) -> "DashboardReport":
        service, answers = ServiceStats(db), AnswerStats(db)
        volume = await service.channel_volume(f)
        containment = await service.containment(f)
        reasons = await service.handoff_reasons(f)
        waits = await service.queue_waits(f, wait_target_seconds)
        arrivals = await service.arrivals(f)
        decisions = await answers.decisions(f)
        entries = await answers.top_entries(f)
        unanswered = await answers.unanswered(f)
        sat = await Satisfaction(db).report(f)

        channels = [
            {"channel": ch, "conversations": v["conversations"], "customer_messages": v["customer"],
             "bot_messages": v["bot"], "agent_messages": v["agent"], "system_messages": v["system"],
             "messages": v["customer"] + v["bot"] + v["agent"] + v["system"]}
            for ch, v in volume.items()
        ]
        total_decisions = sum(decisions.values())
        total_handoffs = sum(reasons.values())
        summary = {
            "conversations": sum(c["conversations"] for c in channels),
            "messages": sum(c["messages"] for c in channels),
            "customer_messages": sum(c["customer_messages"] for c in channels),
            "conversations_with_customer_message": containment.conversations,
            "contained": containment.contained,
            "containment_rate": rounded(containment.rate),
            "escalated": containment.escalated,
            "handoff_rate": rounded(containment.handoff_rate),
            "handoffs": total_handoffs,
            "bot_decisions": total_decisions,
            **{f"{d}_rate": rounded(ratio(n, total_decisions)) for d, n in decisions.items()},
            "satisfaction_mean": rounded(sat.mean),
            "ratings": sat.count,
            "rated_handoffs": sat.handoffs,
            "satisfaction_driver": sat.driver or "",
            "wait_p50_seconds": rounded(waits.p50, 2),
            "wait_p90_seconds": rounded(waits.p90, 2),
            "wait_target_seconds": waits.target_seconds,
            "assigned_handoffs": len(waits.waits),
            "within_target": waits.within_target,
            "within_target_share": rounded(waits.within_target_share),
            "unassigned_handoffs": waits.unassigned,
        }
        tables = {
            "summary": [{"metric": k, "value": v} for k, v in summary.items()],
            "channels": channels,
            "daily": _daily(f, arrivals),
            "reasons": [{"reason": r, "handoffs": n, "share": rounded(ratio(n, total_handoffs))} for r, n in reasons.items()],
            "decisions": [{"decision": d, "count": n, "rate": rounded(ratio(n, total_decisions))} for d, n in decisions.items()],
            "top_entries": [
                {"entry_id": e.entry_id, "question": title(e.entry_id), "answered": e.answered,
                 "helpful": e.helpful, "not_helpful": e.not_helpful}
                for e in entries
            ],
            "unanswered": [
                {"question": g.representative, "asked": g.asked, "customers": g.customers, "wordings": "\n".join(g.questions)}
                for g in unanswered
            ],
            "satisfaction": [
                {"attribute": a.attribute, "ratings": a.count, "mean": rounded(a.mean), "r": rounded(a.r), "pairs": a.pairs,
                 **{f"score_{s}": n for s, n in a.distribution.items()}}
                for a in sat.attributes
            ],
            "wait": _wait_buckets(waits.waits, wait_target_seconds),
            "heatmap": _heatmap(arrivals),
        }
        return cls(f, tables)

    @property
    def summary(self) -> dict:
        return {row["metric"]: row["value"] for row in self.tables["summary"]}

    def as_json(self) -> dict:
        return {"filter": self.filter.describe(), "summary": self.summary} | {
            name: rows for name, rows in self.tables.items() if name != "summary"
        }


def _daily(f: ReportFilter, arrivals) -> list[dict]:
    """Conversations per local day and channel, every day of the range present (zeros included)."""
    first = f.local(f.start).date()
    last = f.local(f.end - timedelta(microseconds=1)).date()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    channels = sorted({ch for ch, _ in arrivals} | ({f.channel} if f.channel else set()))
    counts: dict[tuple, int] = {}
    for channel, local in arrivals:
        counts[(local.date(), channel)] = counts.get((local.date(), channel), 0) + 1
    return [{"date": d.isoformat(), "channel": ch, "conversations": counts.get((d, ch), 0)} for d in days for ch in channels]


def _heatmap(arrivals) -> list[dict]:
    """Non-zero cells only: (channel, weekday 0 = Monday, local hour) -> conversations."""
    cells: dict[tuple, int] = {}
    for channel, local in arrivals:
        key = (channel, local.weekday(), local.hour)
        cells[key] = cells.get(key, 0) + 1
    return [{"channel": c, "weekday": d, "hour": h, "conversations": n} for (c, d, h), n in sorted(cells.items())]


def _wait_buckets(waits, target: int) -> list[dict]:
    edges = [0.0, *(m * target for m in WAIT_BUCKETS)]
    rows = []
    for i, low in enumerate(edges):
        high = edges[i + 1] if i + 1 < len(edges) else None
        n = sum(1 for w in waits if (w > low or (i == 0 and w >= 0)) and (high is None or w <= high))
        label = f"{low:g}-{high:g}s" if high is not None else f">{low:g}s"
        rows.append({"bucket": label, "min_seconds": low, "max_seconds": high, "handoffs": n})
    return rows
