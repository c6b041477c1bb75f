"""Reads the questions the bot missed out of the conversation tables, and what editors did with them.

A customer's text message is a miss when the bot's reply to it (messages.reply_to) was
`no_answer` or `clarify`, when that reply was an answer rated "not helpful" (feedback), or when it
was the last question the bot tried to answer before the conversation was handed to a person
because the customer asked, or after repeated or unhelpful answers (handoffs). Handoffs that an
entry or a category asks for are the knowledge base working as meant, not misses.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Iterable

from sqlalchemy import delete, insert, select

from bot.storage import Database
from bot.storage.editor_tables import miss_resolutions
from bot.storage.tables import conversations, feedback, handoffs, messages
from bot.storage.times import aware
from knowledge.miss_groups import Miss, question_key

__all__ = ["MissSource"]

_MISS_KINDS = ("no_answer", "clarify")
_SEARCHED_KINDS = ("answer", "clarify", "no_answer")  # replies that came from a KB search
_HANDOFF_REASONS = ("customer_request", "repeated_misses", "unhelpful_then_miss")
_LIMIT = 5000  # misses per source, most recent first


class MissSource:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def misses(self, days: int) -> list[Miss]:
        since = datetime.now(timezone.utc) - timedelta(days=days)
        customer, reply = messages.alias("customer_msg"), messages.alias("bot_msg")
        columns = (customer.c.id, customer.c.text, conversations.c.customer_id, customer.c.created_at,
                   customer.c.channel)
        joined = reply.join(customer, reply.c.reply_to == customer.c.id).join(
            conversations, conversations.c.id == customer.c.conversation_id)
        asked = (customer.c.author == "customer", customer.c.kind == "text", customer.c.created_at >= since)
        unanswered = (select(*columns, reply.c.kind).select_from(joined)
                      .where(reply.c.kind.in_(_MISS_KINDS), *asked).order_by(customer.c.pos.desc()).limit(_LIMIT))
        unhelpful = (select(*columns).select_from(feedback.join(reply, reply.c.id == feedback.c.message_id).join(
            customer, reply.c.reply_to == customer.c.id).join(conversations, conversations.c.id == customer.c.conversation_id))
            .where(feedback.c.helpful.is_(False), *asked).order_by(customer.c.pos.desc()).limit(_LIMIT))
        handed = (select(handoffs.c.conversation_id, handoffs.c.requested_at)
                  .where(handoffs.c.reason.in_(_HANDOFF_REASONS), handoffs.c.requested_at >= since)
                  .order_by(handoffs.c.requested_at.desc()).limit(_LIMIT))
        found: dict[str, Miss] = {}
        async with self.db.engine.connect() as conn:
            for row in await conn.execute(unanswered):
                found.setdefault(row.id, _miss(row, row.kind))
            for row in await conn.execute(unhelpful):
                found.setdefault(row.id, _miss(row, "not_helpful"))
            for conversation_id, requested_at in (await conn.execute(handed)).all():
                last = (select(*columns).select_from(joined)
                        .where(customer.c.conversation_id == conversation_id, reply.c.kind.in_(_SEARCHED_KINDS),
                               customer.c.author == "customer", customer.c.kind == "text",
                               customer.c.created_at <= requested_at)
                        .order_by(customer.c.pos.desc()).limit(1))
                row = (await conn.execute(last)).first()
                if row is not None:
                    found.setdefault(row.id, _miss(row, "handoff"))
        return list(found.values())

    async def resolved_keys(self) -> set[str]:
        async with self.db.engine.connect() as conn:
            return set((await conn.scalars(select(miss_resolutions.c.question_key))).all())

    async def resolve(self, questions: Iterable[str], resolution: str, by: str, entry_id: str | None = None) -> int:
        """Remember questions as dismissed or accepted (replacing an earlier resolution)."""
        now = datetime.now(timezone.utc)
        rows = {question_key(q): {"question_key": question_key(q), "question": q, "resolution": resolution,
                                  "entry_id": entry_id, "resolved_by": by, "resolved_at": now} for q in questions}
        if not rows:
            return 0
        async with self.db.engine.begin() as conn:
            await conn.execute(delete(miss_resolutions).where(miss_resolutions.c.question_key.in_(list(rows))))
            await conn.execute(insert(miss_resolutions), list(rows.values()))
        return len(rows)


def _miss(row, reason: str) -> Miss:
    return Miss(row.id, row.text, row.customer_id, reason, aware(row.created_at), row.channel)
