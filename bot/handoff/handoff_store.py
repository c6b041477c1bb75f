"""Handoffs in the database: the queue, assignments to agents, transfers and resolution.

State changes are conditional updates (`WHERE status = 'queued'`), so two agents claiming the
same conversation at once cannot both get it, whichever process they are served by. Every
operation is one `Database.run` call: one transaction, one trip to the database thread.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, func, insert, select, update
from sqlalchemy.engine import Connection

from bot.messages import utcnow
from bot.storage.conversation_store import new_id
from bot.storage.database import Database
from bot.storage.tables import conversations, customers, handoffs
from bot.storage.times import aware

# Built once: every handoff operation starts with the first and ends with the second.
_OPEN_FOR = select(handoffs).where(
    handoffs.c.conversation_id == bindparam("conversation_id"), handoffs.c.status.in_(("queued", "assigned"))
)
_BY_ID = select(handoffs).where(handoffs.c.id == bindparam("handoff_id"))


@dataclass(frozen=True)
class Handoff:
    id: str
    conversation_id: str
    reason: str
    detail: str
    language: str
    category: str
    status: str
    agent_id: str | None
    requested_at: datetime
    assigned_at: datetime | None
    resolved_at: datetime | None
    wait_seconds: float | None
    told_position: int | None = None


class HandoffStore:
    def __init__(self, db: Database, wait_target_seconds: int) -> None:
        self.db = db
        self.target = wait_target_seconds

    async def open(self, conversation_id: str, reason: str, detail: str, language: str, category: str) -> Handoff:
        """Queue the conversation (one open handoff per conversation: an open one is returned as is)."""
        now, handoff_id = utcnow(), new_id()

        def work(conn: Connection) -> Handoff:
            current = _open_row(conn, conversation_id)
            if current is not None:
                return _handoff(current)
            conn.execute(
                insert(handoffs).values(
                    id=handoff_id, conversation_id=conversation_id, reason=reason, detail=detail,
                    language=language, category=category, status="queued", requested_at=now,
                )
            )
            _set_conversation(conn, conversation_id, now, state="queued", handoff_reason=reason, agent_id=None,
                              flow=None, flow_data=None)
            return _reload(conn, handoff_id)

        return await self.db.run(work)

    async def assign(self, conversation_id: str, agent_id: str) -> Handoff | None:
        """Give a queued conversation to an agent; None when it is no longer queued."""
        now = utcnow()

        def work(conn: Connection) -> Handoff | None:
            row = _open_row(conn, conversation_id)
            if row is None or row.status != "queued":
                return None
            wait = (now - aware(row.requested_at)).total_seconds()
            # First assignment keeps the customer's wait; a re-queued one keeps its first figure.
            values = dict(status="assigned", agent_id=agent_id, assigned_at=now)
            if row.wait_seconds is None:
                values |= dict(wait_seconds=wait, within_target=wait <= self.target)
            result = conn.execute(
                update(handoffs).where(handoffs.c.id == row.id, handoffs.c.status == "queued").values(**values)
            )
            if result.rowcount != 1:
                return None
            _set_conversation(conn, conversation_id, now, state="agent", agent_id=agent_id)
            return _reload(conn, row.id)

        return await self.db.run(work)

    async def requeue(self, conversation_id: str) -> Handoff | None:
        now = utcnow()

        def work(conn: Connection) -> Handoff | None:
            row = _open_row(conn, conversation_id)
            if row is None or row.status != "assigned":
                return None
            conn.execute(update(handoffs).where(handoffs.c.id == row.id).values(status="queued", agent_id=None))
            _set_conversation(conn, conversation_id, now, state="queued", agent_id=None)
            return _reload(conn, row.id)

        return await self.db.run(work)

    async def transfer(self, conversation_id: str, from_agent: str | None, to_agent: str) -> Handoff | None:
        now = utcnow()

        def work(conn: Connection) -> Handoff | None:
            row = _open_row(conn, conversation_id)
            if row is None or row.status != "assigned" or (from_agent and row.agent_id != from_agent):
                return None
            conn.execute(update(handoffs).where(handoffs.c.id == row.id).values(agent_id=to_agent))
            _set_conversation(conn, conversation_id, now, agent_id=to_agent)
            return _reload(conn, row.id)

        return await self.db.run(work)

    async def resolve(self, conversation_id: str, flow: str | None, flow_data: dict | None) -> Handoff | None:
        """Close the handoff and give the conversation back to the bot (with a flow, e.g. rating)."""
        now = utcnow()

        def work(conn: Connection) -> Handoff | None:
            row = _open_row(conn, conversation_id)
            if row is None:
                return None
            status = "resolved" if row.status == "assigned" else "abandoned"
            conn.execute(update(handoffs).where(handoffs.c.id == row.id).values(status=status, resolved_at=now))
            _set_conversation(conn, conversation_id, now, state="bot", agent_id=None, flow=flow, flow_data=flow_data,
                              misses_in_row=0)
            return _reload(conn, row.id)

        return await self.db.run(work)

    async def set_told_position(self, handoff_id: str, position: int) -> None:
        def work(conn: Connection) -> None:
            conn.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(told_position=position))

        await self.db.run(work)

    async def current(self, conversation_id: str) -> Handoff | None:
        """The open handoff, else the latest one of the conversation."""
        query = (
            select(handoffs)
            .where(handoffs.c.conversation_id == conversation_id)
            .order_by(handoffs.c.requested_at.desc())
            .limit(1)
        )

        def work(conn: Connection) -> Handoff | None:
            row = conn.execute(query).first()
            return _handoff(row) if row else None

        return await self.db.run(work)

    async def queued(self) -> list[tuple[Handoff, dict]]:
        """The queue, oldest first, each with its conversation and customer."""
        query = (
            select(handoffs, customers.c.channel_user_id, customers.c.display_name, conversations.c.channel)
            .join(conversations, conversations.c.id == handoffs.c.conversation_id)
            .join(customers, customers.c.id == conversations.c.customer_id)
            .where(handoffs.c.status == "queued")
            .order_by(handoffs.c.requested_at)
        )

        def work(conn: Connection) -> list[tuple[Handoff, dict]]:
            return [
                (_handoff(r), {"channel": r.channel, "channel_user_id": r.channel_user_id,
                               "display_name": r.display_name})
                for r in conn.execute(query)
            ]

        return await self.db.run(work)

    async def active_counts(self) -> dict[str, int]:
        """How many conversations each agent holds now."""
        query = (
            select(conversations.c.agent_id, func.count())
            .where(and_(conversations.c.state == "agent", conversations.c.agent_id.is_not(None)))
            .group_by(conversations.c.agent_id)
        )
        return await self.db.run(lambda conn: {agent: n for agent, n in conn.execute(query)})

    async def recent_waits(self, limit: int = 50) -> list[float]:
        query = (
            select(handoffs.c.wait_seconds)
            .where(handoffs.c.wait_seconds.is_not(None))
            .order_by(handoffs.c.assigned_at.desc())
            .limit(limit)
        )
        return await self.db.run(lambda conn: [w for (w,) in conn.execute(query)])


def _open_row(conn: Connection, conversation_id: str):
    return conn.execute(_OPEN_FOR, {"conversation_id": conversation_id}).first()


def _reload(conn: Connection, handoff_id: str) -> Handoff:
    return _handoff(conn.execute(_BY_ID, {"handoff_id": handoff_id}).first())


def _set_conversation(conn: Connection, conversation_id: str, now: datetime, **values) -> None:
    conn.execute(
        update(conversations).where(conversations.c.id == conversation_id).values(updated_at=now, **values)
    )


def _handoff(row) -> Handoff:
    return Handoff(
        id=row.id, conversation_id=row.conversation_id, reason=row.reason, detail=row.detail,
        language=row.language, category=row.category, status=row.status, agent_id=row.agent_id,
        requested_at=aware(row.requested_at), assigned_at=aware(row.assigned_at),
        resolved_at=aware(row.resolved_at), wait_seconds=row.wait_seconds, told_position=row.told_position,
    )
