"""The conversation store's statements, as plain functions of a synchronous Connection.

`Database.run` calls them inside one transaction, so each store operation (a whole customer
turn included) is one trip to the database thread. Hot statements are built once, with bound
parameters, because building SQLAlchemy constructs per call costs more than running them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Iterable

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection

from bot.language import detect_language
from bot.messages import TranscriptMessage
from bot.storage.conversation_records import (
    OPEN_STATES,
    ConversationRecord,
    NewMessage,
    Received,
    message_row,
    new_id,
    record_of,
    transcript_of,
)
from bot.storage import sqlite_fast_path as fast
from bot.storage.tables import conversations, customers, messages
from bot.storage.times import aware

OPEN_CONVERSATION = (
    select(conversations, customers.c.channel_user_id)
    .join(customers, customers.c.id == conversations.c.customer_id)
    .where(
        customers.c.channel == bindparam("channel"),
        customers.c.channel_user_id == bindparam("user_id"),
        conversations.c.state.in_(OPEN_STATES),
    )
    .order_by(conversations.c.created_at.desc())
    .limit(1)
)
_LINK_PERSON = (
    update(customers)
    .where(customers.c.channel == bindparam("b_channel"), customers.c.channel_user_id == bindparam("b_user_id"))
    .where(customers.c.person_id.is_distinct_from(bindparam("b_person")))
    .values(person_id=bindparam("b_person"))
)
_CUSTOMER_ID = select(customers.c.id).where(
    customers.c.channel == bindparam("channel"), customers.c.channel_user_id == bindparam("user_id")
)
_INSERT_MESSAGES = insert(messages)
_TOUCH = update(conversations).where(conversations.c.id == bindparam("b_id")).values(updated_at=bindparam("b_now"))
_BY_DEDUPE_KEY = select(messages).where(messages.c.dedupe_key == bindparam("key"))
_REPLIES = select(messages).where(messages.c.reply_to == bindparam("inbound")).order_by(messages.c.pos)


def open_conversation(
    conn: Connection, channel: str, user_id: str, language: str, idle_close: timedelta | None,
    person_id: str, now: datetime,
) -> ConversationRecord:
    """The customer's open conversation, creating customer and conversation if needed.

    A conversation the bot holds that has been idle longer than `idle_close` is closed first,
    so the customer starts a fresh one (the old one stays in their history).
    """
    where = {"channel": channel, "user_id": user_id}
    if person_id:
        conn.execute(_LINK_PERSON, {"b_channel": channel, "b_user_id": user_id, "b_person": person_id})
    row = conn.execute(OPEN_CONVERSATION, where).first()
    if row is not None and idle_close and row.state == "bot" and now - aware(row.updated_at) > idle_close:
        conn.execute(update(conversations).where(conversations.c.id == row.id).values(state="closed", closed_at=now))
        row = None
    if row is not None:
        return record_of(row, user_id)
    customer_id = conn.execute(_CUSTOMER_ID, where).scalar()
    if customer_id is None:
        customer_id = new_id()
        conn.execute(
            insert(customers).values(
                id=customer_id, channel=channel, channel_user_id=user_id, display_name="",
                language=language, profile={}, person_id=person_id or None, created_at=now, last_seen_at=now,
            )
        )
    conn.execute(
        insert(conversations).values(
            id=new_id(), customer_id=customer_id, channel=channel, state="bot", language=language,
            misses_in_row=0, unhelpful=False, created_at=now, updated_at=now,
        )
    )
    return record_of(conn.execute(OPEN_CONVERSATION, where).first(), user_id)


def add_messages(
    conn: Connection, conversation_id: str, channel: str, items: Iterable[NewMessage],
    updates: dict[str, Any], now: datetime, touch: bool = True,
) -> list[TranscriptMessage]:
    """Insert messages; apply `updates` to the conversation and mark it active (unless not `touch`)."""
    if not updates and (raw := fast.raw_connection(conn)) is not None:
        return fast.add_messages(raw, conversation_id, channel, items, now, touch)
    rows = [message_row(m, conversation_id, channel, now) for m in items]
    if rows:
        conn.execute(_INSERT_MESSAGES, rows)
    if updates:
        conn.execute(update(conversations).where(conversations.c.id == conversation_id).values(updated_at=now, **updates))
    elif touch:
        conn.execute(_TOUCH, {"b_id": conversation_id, "b_now": now})
    return [transcript_of(r) for r in rows]


def replies_to_key(conn: Connection, dedupe_key: str) -> tuple[str, list[TranscriptMessage]] | None:
    """For a message seen before: its conversation id and the replies it got."""
    inbound = conn.execute(_BY_DEDUPE_KEY, {"key": dedupe_key}).first()
    if inbound is None:
        return None
    rows = conn.execute(_REPLIES, {"inbound": inbound.id}).all()
    return inbound.conversation_id, [transcript_of(r._mapping) for r in rows]


def receive(
    conn: Connection, channel: str, user_id: str, inbound: NewMessage, detected: str | None,
    customer_language: str, default_language: str, idle_close: timedelta | None, person_id: str,
    now: datetime,
) -> Received:
    """Store a customer's message in their open conversation, unless it was stored before.

    `detected` is the language the text is written in ('' when it shows none, None for a button
    press, which says nothing about the customer's language).
    """
    raw = fast.raw_connection(conn)
    key = inbound.dedupe_key
    if key and (raw is None or fast.seen(raw, key)) and (seen := replies_to_key(conn, key)):
        return Received(seen[0], repeated_replies=tuple(seen[1]))
    # the raw path only finds a live conversation; creating, closing and linking are portable
    conv = fast.open_conversation(raw, channel, user_id) if raw is not None and not person_id else None
    if conv is None or (idle_close and conv.state == "bot" and now - conv.updated_at > idle_close):
        conv = open_conversation(conn, channel, user_id, customer_language, idle_close, person_id, now)
    language = detected or detect_language("", conv.language or customer_language or default_language)
    changed = detected is not None and language != conv.language
    if raw is not None:
        stored = fast.add_messages(raw, conv.id, channel, [inbound], now, True, language if changed else None)
    else:
        stored = add_messages(conn, conv.id, channel, [inbound], {"language": language} if changed else {}, now)
    return Received(conv.id, conv, stored[0], language)
