"""Handoffs in the database: the queue, assignments to agents, transfers and resolution.

State changes are conditional updates (`WHERE status = 'queued'`), so two agents claiming the
same conversation at once cannot both get it, whichever process they are served by.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, insert, select, update

from bot.messages import utcnow
from bot.storage.conversation_store import new_id
from bot.storage.database import Database
from bot.storage.tables import conversations, customers, handoffs
from bot.storage.times import aware


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
        now = utcnow()
        async with self.db.engine.begin() as conn:
            current = (await conn.execute(_open_for(conversation_id))).first()
            if current is not None:
                return _handoff(current)
            handoff_id = new_id()
            await conn.execute(
                insert(handoffs).values(
                    id=handoff_id, conversation_id=conversation_id, reason=reason, detail=detail,
                    language=language, category=category, status="queued", requested_at=now,
                )
            )
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(state="queued", handoff_reason=reason, agent_id=None, flow=None, flow_data=None, updated_at=now)
            )
            row = (await conn.execute(select(handoffs).where(handoffs.c.id == handoff_id))).first()
        return _handoff(row)

    async def assign(self, conversation_id: str, agent_id: str) -> Handoff | None:
        """Give a queued conversation to an agent; None when it is no longer queued."""
        now = utcnow()
        async with self.db.engine.begin() as conn:
            row = (await conn.execute(_open_for(conversation_id))).first()
            if row is None or row.status != "queued":
                return None
            wait = (now - aware(row.requested_at)).total_seconds()
            # First assignment keeps the customer's wait; a re-queued one keeps its first figure.
            values = dict(status="assigned", agent_id=agent_id, assigned_at=now)
            if row.wait_seconds is None:
                values |= dict(wait_seconds=wait, within_target=wait <= self.target)
            result = await conn.execute(
                update(handoffs).where(handoffs.c.id == row.id, handoffs.c.status == "queued").values(**values)
            )
            if result.rowcount != 1:
                return None
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(state="agent", agent_id=agent_id, updated_at=now)
            )
            row = (await conn.execute(select(handoffs).where(handoffs.c.id == row.id))).first()
        return _handoff(row)

    async def requeue(self, conversation_id: str) -> Handoff | None:
        now = utcnow()
        async with self.db.engine.begin() as conn:
            row = (await conn.execute(_open_for(conversation_id))).first()
            if row is None or row.status != "assigned":
                return None
            await conn.execute(update(handoffs).where(handoffs.c.id == row.id).values(status="queued", agent_id=None))
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(state="queued", agent_id=None, updated_at=now)
            )
            row = (await conn.execute(select(handoffs).where(handoffs.c.id == row.id))).first()
        return _handoff(row)

    async def transfer(self, conversation_id: str, from_agent: str | None, to_agent: str) -> Handoff | None:
        now = utcnow()
        async with self.db.engine.begin() as conn:
            row = (await conn.execute(_open_for(conversation_id))).first()
            if row is None or row.status != "assigned" or (from_agent and row.agent_id != from_agent):
                return None
            await conn.execute(update(handoffs).where(handoffs.c.id == row.id).values(agent_id=to_agent))
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(agent_id=to_agent, updated_at=now)
            )
            row = (await conn.execute(select(handoffs).where(handoffs.c.id == row.id))).first()
        return _handoff(row)

    async def resolve(self, conversation_id: str, flow: str | None, flow_data: dict | None) -> Handoff | None:
        """Close the handoff and give the conversation back to the bot (with a flow, e.g. rating)."""
        now = utcnow()
        async with self.db.engine.begin() as conn:
            row = (await conn.execute(_open_for(conversation_id))).first()
            if row is None:
                return None
            status = "resolved" if row.status == "assigned" else "abandoned"
            await conn.execute(update(handoffs).where(handoffs.c.id == row.id).values(status=status, resolved_at=now))
            await conn.execute(
                update(conversations)
                .where(conversations.c.id == conversation_id)
                .values(state="bot", agent_id=None, flow=flow, flow_data=flow_data, misses_in_row=0, updated_at=now)
            )
            row = (await conn.execute(select(handoffs).where(handoffs.c.id == row.id))).first()
        return _handoff(row)

    async def set_told_position(self, handoff_id: str, position: int) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(update(handoffs).where(handoffs.c.id == handoff_id).values(told_position=position))

    async def current(self, conversation_id: str) -> Handoff | None:
        """The open handoff, else the latest one of the conversation."""
        query = (
            select(handoffs)
            .where(handoffs.c.conversation_id == conversation_id)
            .order_by(handoffs.c.requested_at.desc())
            .limit(1)
        )
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _handoff(row) if row else None

    async def queued(self) -> list[tuple[Handoff, dict]]:
        """The queue, oldest first, each with its conversation and customer."""
        query = (
            select(handoffs, customers.c.channel_user_id, customers.c.display_name, conversations.c.channel)
            .join(conversations, conversations.c.id == handoffs.c.conversation_id)
            .join(customers, customers.c.id == conversations.c.customer_id)
            .where(handoffs.c.status == "queued")
            .order_by(handoffs.c.requested_at)
        )
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [
            (_handoff(r), {"channel": r.channel, "channel_user_id": r.channel_user_id, "display_name": r.display_name})
            for r in rows
        ]

    async def active_counts(self) -> dict[str, int]:
        """How many conversations each agent holds now."""
        query = (
            select(conversations.c.agent_id, func.count())
            .where(and_(conversations.c.state == "agent", conversations.c.agent_id.is_not(None)))
            .group_by(conversations.c.agent_id)
        )
        async with self.db.engine.connect() as conn:
            return {agent: n for agent, n in (await conn.execute(query)).all()}

    async def recent_waits(self, limit: int = 50) -> list[float]:
        query = (
            select(handoffs.c.wait_seconds)
            .where(handoffs.c.wait_seconds.is_not(None))
            .order_by(handoffs.c.assigned_at.desc())
            .limit(limit)
        )
        async with self.db.engine.connect() as conn:
            return [w for (w,) in (await conn.execute(query)).all()]


def _open_for(conversation_id: str):
    return select(handoffs).where(
        handoffs.c.conversation_id == conversation_id, handoffs.c.status.in_(("queued", "assigned"))
    )


def _handoff(row) -> Handoff:
    return Handoff(
        id=row.id, conversation_id=row.conversation_id, reason=row.reason, detail=row.detail,
        language=row.language, category=row.category, status=row.status, agent_id=row.agent_id,
        requested_at=aware(row.requested_at), assigned_at=aware(row.assigned_at),
        resolved_at=aware(row.resolved_at), wait_seconds=row.wait_seconds, told_position=row.told_position,
    )
