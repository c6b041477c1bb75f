"""What the bot decided for the questions it got in a report's range.

- A bot decision is one customer message the knowledge base was asked about: bot replies created in
  [from, to) with `meta.decision` (answer | clarify | no_answer), counted once per customer message
  they reply to (an action may send several replies for one answer).
- Top entries: answers by `meta.entry_id`, with the "helpful" / "not helpful" feedback given in the
  range on those entries.
- Unanswered questions: customer-typed messages (not button presses) created in the range whose
  reply decided `no_answer`, grouped as the editor's "learn from misses" page groups them
  (knowledge/miss_groups.py: same text after normalising case, width and punctuation, then
  similar texts clustered by character n-grams, Chinese and English), ranked by how many
  different customers asked, then by how often.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.analytics.report_filter import ReportFilter
from bot.storage.database import Database
from bot.storage.tables import conversations, feedback, messages
from bot.storage.times import aware
from knowledge.miss_groups import Miss, MissGroup, MissGroups

DECISIONS = ("answer", "clarify", "no_answer")


@dataclass(frozen=True)
class EntryUse:
    entry_id: str
    answered: int
    helpful: int
    not_helpful: int


class AnswerStats:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def decisions(self, f: ReportFilter) -> dict[str, int]:
        """{decision: customer messages}, every decision present (0 when none)."""
        decision = messages.c.meta["decision"].as_string()
        turn = func.coalesce(messages.c.reply_to, messages.c.id)
        query = (
            select(decision, func.count(func.distinct(turn)))
            .where(*_bot_replies(f), decision.in_(DECISIONS))
            .group_by(decision)
        )
        async with self.db.engine.connect() as conn:
            found = {d: int(n) for d, n in await conn.execute(query)}
        return {d: found.get(d, 0) for d in DECISIONS}

    async def top_entries(self, f: ReportFilter, limit: int = 20) -> list[EntryUse]:
        entry = messages.c.meta["entry_id"].as_string()
        turn = func.coalesce(messages.c.reply_to, messages.c.id)
        answered = (
            select(entry, func.count(func.distinct(turn)).label("n"))
            .where(*_bot_replies(f), messages.c.meta["decision"].as_string() == "answer", entry.is_not(None))
            .group_by(entry)
            .order_by(func.count(func.distinct(turn)).desc(), entry)
            .limit(limit)
        )
        votes = (
            select(feedback.c.entry_id, feedback.c.helpful, func.count())
            .select_from(feedback.join(conversations, feedback.c.conversation_id == conversations.c.id))
            .where(feedback.c.created_at >= f.start, feedback.c.created_at < f.end, feedback.c.entry_id.is_not(None))
            .group_by(feedback.c.entry_id, feedback.c.helpful)
        )
        if f.channel is not None:
            votes = votes.where(conversations.c.channel == f.channel)
        async with self.db.engine.connect() as conn:
            top = [(entry_id, int(n)) for entry_id, n in await conn.execute(answered)]
            tally = {(entry_id, bool(helpful)): int(n) for entry_id, helpful, n in await conn.execute(votes)}
        return [EntryUse(e, n, tally.get((e, True), 0), tally.get((e, False), 0)) for e, n in top]

    async def unanswered(self, f: ReportFilter, limit: int = 20) -> list[MissGroup]:
        question, reply = aliased(messages), aliased(messages)
        missed = (
            select(
                question.c.id, question.c.text, conversations.c.customer_id, question.c.created_at, question.c.channel
            )
            .select_from(
                question.join(reply, reply.c.reply_to == question.c.id).join(
                    conversations, question.c.conversation_id == conversations.c.id
                )
            )
            .where(
                question.c.author == "customer", question.c.kind == "text",
                question.c.created_at >= f.start, question.c.created_at < f.end,
                reply.c.author == "bot", reply.c.meta["decision"].as_string() == "no_answer",
            )
            .distinct()
        )
        if f.channel is not None:
            missed = missed.where(question.c.channel == f.channel)
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(missed)).all()
        misses = [Miss(mid, text, customer, "no_answer", aware(at), channel) for mid, text, customer, at, channel in rows]
        return MissGroups().group(misses)[:limit]


def _bot_replies(f: ReportFilter) -> list:
    conditions = [messages.c.author == "bot", messages.c.created_at >= f.start, messages.c.created_at < f.end]
    if f.channel is not None:
        conditions.append(messages.c.channel == f.channel)
    return conditions
