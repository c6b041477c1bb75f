"""Customers, their conversations and every message, in the project database.

One open conversation per customer (channel + channel user id): it survives reloads, reconnects,
restarts and handoffs; only `closed` ends it, and the customer's next message opens a new one.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable, Mapping

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.messages import Button, TranscriptMessage, utcnow
from bot.storage.database import Database
from bot.storage.tables import conversations, customers, feedback, messages
from bot.storage.times import aware, iso

OPEN_STATES = ("bot", "queued", "agent")


def new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ConversationRecord:
    id: str
    customer_id: str
    channel: str
    user_id: str
    state: str
    language: str
    misses_in_row: int
    handoff_reason: str | None
    created_at: datetime
    agent_id: str | None = None
    flow: str | None = None
    flow_data: Mapping[str, Any] | None = None
    unhelpful: bool = False  # the last answer was rated "not helpful"
    updated_at: datetime | None = None


@dataclass(frozen=True)
class NewMessage:
    """A message to store; `id` is chosen before storing so buttons can refer to it."""

    author: str
    text: str
    kind: str = "text"
    buttons: tuple[Button, ...] = ()
    meta: Mapping[str, Any] = field(default_factory=dict)
    id: str = field(default_factory=new_id)
    dedupe_key: str | None = None
    reply_to: str | None = None


class DuplicateMessage(Exception):
    """The channel delivered a message id we already stored."""


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def current(
        self, channel: str, user_id: str, language: str = "", idle_close: timedelta | None = None,
        person_id: str = "",
    ) -> ConversationRecord:
        """The customer's open conversation, creating customer and conversation if needed.

        A conversation the bot holds that has been idle longer than `idle_close` is closed first,
        so the customer starts a fresh one (the old one stays in their history).
        """
        now = utcnow()
        async with self.db.engine.begin() as conn:
            if person_id:
                await conn.execute(
                    update(customers)
                    .where(customers.c.channel == channel, customers.c.channel_user_id == user_id)
                    .where(customers.c.person_id.is_distinct_from(person_id))
                    .values(person_id=person_id)
                )
            row = (await conn.execute(_open_conversation_query(channel, user_id))).first()
            if row is not None and idle_close and row.state == "bot" and now - aware(row.updated_at) > idle_close:
                await conn.execute(
                    update(conversations).where(conversations.c.id == row.id).values(state="closed", closed_at=now)
                )
                row = None
            if row is not None:
                return _record(row, user_id)
            customer_id = (
                await conn.execute(
                    select(customers.c.id).where(
                        customers.c.channel == channel, customers.c.channel_user_id == user_id
                    )
                )
            ).scalar()
            if customer_id is None:
                customer_id = new_id()
                await conn.execute(
                    insert(customers).values(
                        id=customer_id, channel=channel, channel_user_id=user_id, display_name="",
                        language=language, profile={}, person_id=person_id or None, created_at=now,
                        last_seen_at=now,
                    )
                )
            conversation_id = new_id()
            await conn.execute(
                insert(conversations).values(
                    id=conversation_id, customer_id=customer_id, channel=channel, state="bot",
                    language=language, misses_in_row=0, unhelpful=False, created_at=now, updated_at=now,
                )
            )
            row = (await conn.execute(_open_conversation_query(channel, user_id))).first()
            return _record(row, user_id)

    async def get(self, conversation_id: str) -> ConversationRecord | None:
        query = _conversation_query().where(conversations.c.id == conversation_id)
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _record(row, row.channel_user_id) if row else None

    async def add(
        self, conversation_id: str, channel: str, items: Iterable[NewMessage], **conversation_updates: Any
    ) -> list[TranscriptMessage]:
        """Store messages (and conversation changes) in one transaction; committed on return.

        Raises DuplicateMessage when an item's dedupe_key is already stored: nothing is written.
        """
        now = utcnow()
        rows = [
            dict(
                id=m.id, conversation_id=conversation_id, author=m.author, channel=channel,
                dedupe_key=m.dedupe_key, reply_to=m.reply_to, kind=m.kind, text=m.text,
                buttons=[{"title": b.title, "payload": b.payload} for b in m.buttons],
                meta=dict(m.meta), created_at=now,
            )
            for m in items
        ]
        try:
            async with self.db.engine.begin() as conn:
                if rows:
                    await conn.execute(insert(messages), rows)
                await conn.execute(
                    update(conversations)
                    .where(conversations.c.id == conversation_id)
                    .values(updated_at=now, **conversation_updates)
                )
        except IntegrityError as exc:
            if any(r["dedupe_key"] for r in rows) and _is_unique(exc):
                raise DuplicateMessage(str(exc.orig)) from None
            raise
        return [_transcript(r) for r in rows]

    async def customer(self, customer_id: str) -> dict | None:
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(select(customers).where(customers.c.id == customer_id))).first()
            if row is None:
                return None
            count = (
                await conn.execute(
                    select(func.count()).select_from(conversations).where(conversations.c.customer_id == customer_id)
                )
            ).scalar()
        return {
            "id": row.id, "channel": row.channel, "channel_user_id": row.channel_user_id,
            "display_name": row.display_name, "language": row.language, "profile": row.profile or {},
            "person_id": row.person_id, "conversations": count, "created_at": iso(row.created_at),
        }

    async def linked_customers(self, customer_id: str) -> list[str]:
        """This customer and every customer of the same verified person, on any channel."""
        async with self.db.engine.connect() as conn:
            person = (await conn.execute(select(customers.c.person_id).where(customers.c.id == customer_id))).scalar()
            if not person:
                return [customer_id]
            rows = (await conn.execute(select(customers.c.id).where(customers.c.person_id == person))).all()
        return [r.id for r in rows]

    async def list(
        self, states: tuple[str, ...] | None = None, agent_id: str | None = None,
        customer_id: str | list[str] | None = None, limit: int = 200,
    ) -> list[ConversationRecord]:
        """Conversations, most recently active first."""
        query = _conversation_query().order_by(conversations.c.updated_at.desc()).limit(limit)
        if states:
            query = query.where(conversations.c.state.in_(states))
        if agent_id:
            query = query.where(conversations.c.agent_id == agent_id)
        if isinstance(customer_id, list):
            query = query.where(conversations.c.customer_id.in_(customer_id))
        elif customer_id:
            query = query.where(conversations.c.customer_id == customer_id)
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_record(r, r.channel_user_id) for r in rows]

    async def last_messages(self, conversation_ids: list[str]) -> dict[str, TranscriptMessage]:
        """The newest message of each conversation (for lists in the console)."""
        if not conversation_ids:
            return {}
        newest = (
            select(func.max(messages.c.pos))
            .where(messages.c.conversation_id.in_(conversation_ids))
            .group_by(messages.c.conversation_id)
        )
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(select(messages).where(messages.c.pos.in_(newest)))).all()
        return {r.conversation_id: _transcript(r._mapping) for r in rows}

    async def replies_to_duplicate(self, dedupe_key: str) -> tuple[str, list[TranscriptMessage]] | None:
        """For a message seen before: its conversation id and the replies it got."""
        async with self.db.engine.connect() as conn:
            inbound = (
                await conn.execute(select(messages).where(messages.c.dedupe_key == dedupe_key))
            ).first()
            if inbound is None:
                return None
            rows = (
                await conn.execute(
                    select(messages).where(messages.c.reply_to == inbound.id).order_by(messages.c.pos)
                )
            ).all()
        return inbound.conversation_id, [_transcript(r._mapping) for r in rows]

    async def transcript(self, conversation_id: str, limit: int = 500) -> list[TranscriptMessage]:
        query = (
            select(messages)
            .where(messages.c.conversation_id == conversation_id)
            .order_by(messages.c.pos.desc())
            .limit(limit)
        )
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_transcript(r._mapping) for r in reversed(rows)]

    async def history(self, channel: str, user_id: str) -> list[TranscriptMessage]:
        """The customer's open conversation, oldest first (empty when there is none)."""
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(_open_conversation_query(channel, user_id))).first()
        return await self.transcript(row.id) if row else []

    async def message(self, message_id: str) -> TranscriptMessage | None:
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(select(messages).where(messages.c.id == message_id))).first()
        return _transcript(row._mapping) if row else None

    async def merge_meta(self, message_id: str, values: Mapping[str, Any]) -> TranscriptMessage | None:
        """Add keys to a stored message's metadata (e.g. that a platform refused to deliver it)."""
        async with self.db.engine.begin() as conn:
            row = (await conn.execute(select(messages).where(messages.c.id == message_id))).first()
            if row is None:
                return None
            meta = dict(row.meta or {}) | dict(values)
            await conn.execute(update(messages).where(messages.c.id == message_id).values(meta=meta))
        return _transcript(dict(row._mapping) | {"meta": meta})

    async def add_feedback(self, message_id: str, conversation_id: str, entry_id: str | None, helpful: bool) -> bool:
        """Store a rating of one answer; False when that answer was already rated."""
        try:
            async with self.db.engine.begin() as conn:
                await conn.execute(
                    insert(feedback).values(
                        message_id=message_id, conversation_id=conversation_id, entry_id=entry_id,
                        helpful=helpful, created_at=utcnow(),
                    )
                )
        except IntegrityError:
            return False
        return True


def _is_unique(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


def _conversation_query():
    return select(conversations, customers.c.channel_user_id).join(
        customers, customers.c.id == conversations.c.customer_id
    )


def _open_conversation_query(channel: str, user_id: str):
    return (
        _conversation_query()
        .where(
            customers.c.channel == channel,
            customers.c.channel_user_id == user_id,
            conversations.c.state.in_(OPEN_STATES),
        )
        .order_by(conversations.c.created_at.desc())
        .limit(1)
    )


def _record(row, user_id: str) -> ConversationRecord:
    return ConversationRecord(
        id=row.id, customer_id=row.customer_id, channel=row.channel, user_id=user_id, state=row.state,
        language=row.language, misses_in_row=row.misses_in_row, handoff_reason=row.handoff_reason,
        created_at=aware(row.created_at), agent_id=row.agent_id, flow=row.flow, flow_data=row.flow_data,
        unhelpful=row.unhelpful, updated_at=aware(row.updated_at),
    )


def _transcript(row: Mapping[str, Any]) -> TranscriptMessage:
    return TranscriptMessage(
        id=row["id"], conversation_id=row["conversation_id"], author=row["author"], text=row["text"],
        channel=row["channel"], buttons=tuple(Button(b["title"], b["payload"]) for b in row["buttons"] or ()),
        kind=row["kind"], created_at=aware(row["created_at"]), metadata=row["meta"] or {},
        reply_to=row["reply_to"],
    )
