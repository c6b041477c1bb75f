"""Volume, containment, handoffs, queue waits and arrival times over a report's range.

Definitions (the dashboard shows the same words in its tooltips):
- A conversation belongs to the range when it was *created* in [from, to).
- Containment: of the conversations in the range with at least one customer message, the share
  that never reached a person: no handoff was opened (no `handoffs` row) and the customer was never
  asked to leave a message for one (`conversations.handoff_reason` is empty). Handoff rate = 1 - that.
- Messages, handoff reasons and queue waits count events *in* the range: messages created, and
  handoffs requested, in [from, to). A handoff's channel is its conversation's.
- Queue wait: seconds from the handoff request to its first assignment to an agent; handoffs
  never assigned have no wait and are counted apart.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, exists, func, or_, select

from bot.analytics.figures import percentile, ratio
from bot.analytics.report_filter import ReportFilter
from bot.storage.database import Database
from bot.storage.tables import conversations, handoffs, messages
from bot.storage.times import aware


@dataclass(frozen=True)
class Containment:
    conversations: int  # with at least one customer message
    contained: int
    escalated: int

    @property
    def rate(self) -> float | None:
        return ratio(self.contained, self.conversations)

    @property
    def handoff_rate(self) -> float | None:
        return ratio(self.escalated, self.conversations)


@dataclass(frozen=True)
class QueueWaits:
    target_seconds: int
    waits: tuple[float, ...]  # assigned handoffs requested in the range
    unassigned: int  # requested in the range and never given to an agent

    @property
    def p50(self) -> float | None:
        return percentile(self.waits, 50)

    @property
    def p90(self) -> float | None:
        return percentile(self.waits, 90)

    @property
    def within_target(self) -> int:
        return sum(1 for w in self.waits if w <= self.target_seconds)

    @property
    def within_target_share(self) -> float | None:
        return ratio(self.within_target, len(self.waits))


class ServiceStats:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def channel_volume(self, f: ReportFilter) -> dict[str, dict[str, int]]:
        """{channel: {"conversations": n, "customer": n, "bot": n, "agent": n, "system": n}}."""
        volume: dict[str, Counter] = {}
        convs = select(conversations.c.channel, func.count()).where(*_in_range(conversations, f)).group_by(
            conversations.c.channel
        )
        msgs = (
            select(messages.c.channel, messages.c.author, func.count())
            .where(*_in_range(messages, f))
            .group_by(messages.c.channel, messages.c.author)
        )
        async with self.db.engine.connect() as conn:
            for channel, count in await conn.execute(convs):
                volume.setdefault(channel, Counter())["conversations"] += count
            for channel, author, count in await conn.execute(msgs):
                volume.setdefault(channel, Counter())[author] += count
        keys = ("conversations", "customer", "bot", "agent", "system")
        return {channel: {k: counts[k] for k in keys} for channel, counts in sorted(volume.items())}

    async def containment(self, f: ReportFilter) -> Containment:
        spoke = exists().where(messages.c.conversation_id == conversations.c.id, messages.c.author == "customer")
        handed = exists().where(handoffs.c.conversation_id == conversations.c.id)
        escalated = or_(conversations.c.handoff_reason.is_not(None), handed)
        query = select(func.count(), func.coalesce(func.sum(case((escalated, 1), else_=0)), 0)).where(
            *_in_range(conversations, f), spoke
        )
        async with self.db.engine.connect() as conn:
            total, escalated_count = (await conn.execute(query)).one()
        return Containment(int(total), int(total) - int(escalated_count), int(escalated_count))

    async def handoff_reasons(self, f: ReportFilter) -> dict[str, int]:
        """Handoffs requested in the range, by reason, most frequent first."""
        query = (
            select(handoffs.c.reason, func.count().label("n"))
            .select_from(handoffs.join(conversations, handoffs.c.conversation_id == conversations.c.id))
            .where(*_handoffs_in_range(f))
            .group_by(handoffs.c.reason)
            .order_by(func.count().desc(), handoffs.c.reason)
        )
        async with self.db.engine.connect() as conn:
            return {reason: int(n) for reason, n in await conn.execute(query)}

    async def queue_waits(self, f: ReportFilter, target_seconds: int) -> QueueWaits:
        query = (
            select(handoffs.c.wait_seconds)
            .select_from(handoffs.join(conversations, handoffs.c.conversation_id == conversations.c.id))
            .where(*_handoffs_in_range(f))
        )
        async with self.db.engine.connect() as conn:
            rows = [w for (w,) in await conn.execute(query)]
        waits = tuple(float(w) for w in rows if w is not None)
        return QueueWaits(target_seconds, waits, len(rows) - len(waits))

    async def arrivals(self, f: ReportFilter) -> list[tuple[str, datetime]]:
        """(channel, local creation time) of every conversation in the range, for per-day counts and
        the weekday x hour heatmap. Converted here rather than in SQL: SQLite has no time zones."""
        query = select(conversations.c.channel, conversations.c.created_at).where(*_in_range(conversations, f))
        async with self.db.engine.connect() as conn:
            return [(channel, f.local(aware(created))) for channel, created in await conn.execute(query)]


def _in_range(table, f: ReportFilter) -> list:
    conditions = [table.c.created_at >= f.start, table.c.created_at < f.end]
    if f.channel is not None:
        conditions.append(table.c.channel == f.channel)
    return conditions


def _handoffs_in_range(f: ReportFilter) -> list:
    conditions = [handoffs.c.requested_at >= f.start, handoffs.c.requested_at < f.end]
    if f.channel is not None:
        conditions.append(conversations.c.channel == f.channel)
    return conditions

