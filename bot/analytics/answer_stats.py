"""What the bot decided for the questions it got in a report's range.

- A bot decision is one customer message the knowledge base was asked about: bot replies created in
  [from, to) with `meta.decision` (answer | clarify | no_answer), counted once per customer message
  they reply to (an action may send several replies for one answer).
- Top entries: answers by `meta.entry_id`, with the "helpful" / "not helpful" feedback given in the
  range on those entries.
- Unanswered questions: customer-typed messages (not button presses) whose reply decided
  `no_answer`, grouped by their normalised text (case, width and punctuation ignored), ranked by
  how many different customers asked, then by how often.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from bot.analytics.report_filter import ReportFilter
from bot.storage.database import Database
from bot.storage.tables import conversations, feedback, messages

DECISIONS = ("answer", "clarify", "no_answer")
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class EntryUse:
    entry_id: str
    answered: int
    helpful: int
    not_helpful: int


@dataclass(frozen=True)
class UnansweredGroup:
    key: str  # the normalised text the group shares
    text: str  # the most frequent wording as customers typed it
    asked: int  # messages
    customers: int  # different customers


def normalize_question(text: str) -> str:
    """'  Where is MY order？ ' and 'where is my order' share the key 'where is my order'."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NOT_WORD.sub(" ", folded).split())


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

    async def unanswered(self, f: ReportFilter, limit: int = 20) -> list[UnansweredGroup]:
        question, reply = aliased(messages), aliased(messages)
        missed = (
            select(question.c.id, question.c.text, conversations.c.customer_id)
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
        groups: dict[str, tuple[Counter, set]] = {}
        for _id, text, customer_id in rows:
            key = normalize_question(text)
            if not key:
                continue
            wordings, customers = groups.setdefault(key, (Counter(), set()))
            wordings[text.strip()] += 1
            customers.add(customer_id)
        ranked = [
            UnansweredGroup(key, _commonest(wordings), sum(wordings.values()), len(customers))
            for key, (wordings, customers) in groups.items()
        ]
        ranked.sort(key=lambda g: (-g.customers, -g.asked, g.key))
        return ranked[:limit]


def _bot_replies(f: ReportFilter) -> list:
    conditions = [messages.c.author == "bot", messages.c.created_at >= f.start, messages.c.created_at < f.end]
    if f.channel is not None:
        conditions.append(messages.c.channel == f.channel)
    return conditions


def _commonest(wordings: Counter) -> str:
    best = max(wordings.values())
    return min(text for text, n in wordings.items() if n == best)  # ties: a stable choice
