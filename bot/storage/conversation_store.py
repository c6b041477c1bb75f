"""Customers, their conversations and every message, in the project database.

One open conversation per customer (channel + channel user id): it survives reloads, reconnects,
restarts and handoffs; only `closed` ends it, and the customer's next message opens a new one.
Every operation is one `Database.run` call (one transaction, one trip to the database thread).
"""
from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any, Iterable, Mapping

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.messages import TranscriptMessage, utcnow
from bot.storage import conversation_sql as sql
from bot.storage.conversation_records import (
    OPEN_STATES,
    ConversationRecord,
    DuplicateMessage,
    NewMessage,
    Received,
    new_id,
    record_of,
    transcript_of,
)
from bot.storage.database import Database
from bot.storage.tables import conversations, customers, feedback, messages
from bot.storage.times import iso

__all__ = [
    "OPEN_STATES", "ConversationRecord", "ConversationStore", "DuplicateMessage", "NewMessage", "Received", "new_id",
]


class ConversationStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def receive(
        self, channel: str, user_id: str, inbound: NewMessage, *, detected: str | None,
        customer_language: str = "", default_language: str = "zh", idle_close: timedelta | None = None,
        person_id: str = "",
    ) -> Received:
        """Store a customer's message (committed on return) in their open conversation.

        A message whose dedupe key was stored before comes back as a repeat with the replies it
        got; one stored by another process at the same moment raises DuplicateMessage.
        """
        work = partial(
            sql.receive, channel=channel, user_id=user_id, inbound=inbound, detected=detected,
            customer_language=customer_language, default_language=default_language, idle_close=idle_close,
            person_id=person_id, now=utcnow(),
        )
        return await self._writing(work, bool(inbound.dedupe_key))

    async def current(
        self, channel: str, user_id: str, language: str = "", idle_close: timedelta | None = None,
        person_id: str = "",
    ) -> ConversationRecord:
        """The customer's open conversation, creating customer and conversation if needed."""
        return await self.db.run(
            partial(sql.open_conversation, channel=channel, user_id=user_id, language=language,
                    idle_close=idle_close, person_id=person_id, now=utcnow())
        )

    async def get(self, conversation_id: str) -> ConversationRecord | None:
        def work(conn):
            row = conn.execute(_conversation_query().where(conversations.c.id == conversation_id)).first()
            return record_of(row, row.channel_user_id) if row else None

        return await self.db.run(work)

    async def add(
        self, conversation_id: str, channel: str, items: Iterable[NewMessage], touch: bool = True,
        **conversation_updates: Any,
    ) -> list[TranscriptMessage]:
        """Store messages (and conversation changes) in one transaction; committed on return.

        The conversation is marked active now, unless `touch` is False and nothing changes (the
        bot's replies, a moment after the customer's message already marked it).
        Raises DuplicateMessage when an item's dedupe_key is already stored: nothing is written.
        """
        items = list(items)
        work = partial(sql.add_messages, conversation_id=conversation_id, channel=channel, items=items,
                       updates=conversation_updates, now=utcnow(), touch=touch)
        return await self._writing(work, any(m.dedupe_key for m in items))

    async def _writing(self, work, deduped: bool):
        try:
            return await self.db.run(work)
        except IntegrityError as exc:
            if deduped and _is_unique(exc):
                raise DuplicateMessage(str(exc.orig)) from None
            raise

    async def customer(self, customer_id: str) -> dict | None:
        def work(conn):
            row = conn.execute(select(customers).where(customers.c.id == customer_id)).first()
            if row is None:
                return None
            count = conn.execute(
                select(func.count()).select_from(conversations).where(conversations.c.customer_id == customer_id)
            ).scalar()
            return {
                "id": row.id, "channel": row.channel, "channel_user_id": row.channel_user_id,
                "display_name": row.display_name, "language": row.language, "profile": row.profile or {},
                "person_id": row.person_id, "conversations": count, "created_at": iso(row.created_at),
            }

        return await self.db.run(work)

    async def linked_customers(self, customer_id: str) -> list[str]:
        """This customer and every customer of the same verified person, on any channel."""
        def work(conn):
            person = conn.execute(select(customers.c.person_id).where(customers.c.id == customer_id)).scalar()
            if not person:
                return [customer_id]
            return [r.id for r in conn.execute(select(customers.c.id).where(customers.c.person_id == person))]

        return await self.db.run(work)

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
        return await self.db.run(lambda conn: [record_of(r, r.channel_user_id) for r in conn.execute(query)])

    async def last_messages(self, conversation_ids: list[str]) -> dict[str, TranscriptMessage]:
        """The newest message of each conversation (for lists in the console)."""
        if not conversation_ids:
            return {}
        newest = (
            select(func.max(messages.c.pos))
            .where(messages.c.conversation_id.in_(conversation_ids))
            .group_by(messages.c.conversation_id)
        )
        query = select(messages).where(messages.c.pos.in_(newest))
        return await self.db.run(
            lambda conn: {r.conversation_id: transcript_of(r._mapping) for r in conn.execute(query)}
        )

    async def replies_to_duplicate(self, dedupe_key: str) -> tuple[str, list[TranscriptMessage]] | None:
        """For a message seen before: its conversation id and the replies it got."""
        return await self.db.run(partial(sql.replies_to_key, dedupe_key=dedupe_key))

    async def transcript(self, conversation_id: str, limit: int = 500) -> list[TranscriptMessage]:
        return await self.db.run(partial(_transcript_rows, conversation_id=conversation_id, limit=limit))

    async def history(self, channel: str, user_id: str) -> list[TranscriptMessage]:
        """The customer's open conversation, oldest first (empty when there is none)."""
        def work(conn):
            row = conn.execute(sql.OPEN_CONVERSATION, {"channel": channel, "user_id": user_id}).first()
            return _transcript_rows(conn, row.id, 500) if row else []

        return await self.db.run(work)

    async def message(self, message_id: str) -> TranscriptMessage | None:
        def work(conn):
            row = conn.execute(select(messages).where(messages.c.id == message_id)).first()
            return transcript_of(row._mapping) if row else None

        return await self.db.run(work)

    async def merge_meta(self, message_id: str, values: Mapping[str, Any]) -> TranscriptMessage | None:
        """Add keys to a stored message's metadata (e.g. that a platform refused to deliver it)."""
        def work(conn):
            row = conn.execute(select(messages).where(messages.c.id == message_id)).first()
            if row is None:
                return None
            meta = dict(row.meta or {}) | dict(values)
            conn.execute(update(messages).where(messages.c.id == message_id).values(meta=meta))
            return transcript_of(dict(row._mapping) | {"meta": meta})

        return await self.db.run(work)

    async def add_feedback(self, message_id: str, conversation_id: str, entry_id: str | None, helpful: bool) -> bool:
        """Store a rating of one answer; False when that answer was already rated."""
        row = dict(message_id=message_id, conversation_id=conversation_id, entry_id=entry_id, helpful=helpful,
                   created_at=utcnow())
        try:
            await self.db.run(lambda conn: conn.execute(insert(feedback).values(**row)))
        except IntegrityError:
            return False
        return True


def _transcript_rows(conn, conversation_id: str, limit: int) -> list[TranscriptMessage]:
    query = (
        select(messages)
        .where(messages.c.conversation_id == conversation_id)
        .order_by(messages.c.pos.desc())
        .limit(limit)
    )
    return [transcript_of(r._mapping) for r in reversed(conn.execute(query).all())]


def _is_unique(exc: IntegrityError) -> bool:
    text = str(exc.orig).lower()
    return "unique" in text or "duplicate key" in text


def _conversation_query():
    return select(conversations, customers.c.channel_user_id).join(
        customers, customers.c.id == conversations.c.customer_id
    )
