"""A known, reproducible set of conversations, messages, handoffs, ratings and feedback, written
straight into the tables (as the engine and desk would have left them).

The same `SeedSet` object is what tests compute their expected figures from, in plain Python
(see expected.py), so no figure is checked against the query code that produced it.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from bot.storage.database import Database
from bot.storage.tables import conversations, customers, feedback, handoffs, messages, ratings

TZ = "Asia/Shanghai"
RANGE_FROM = "2025-03-03"  # a Monday, midnight in TZ
RANGE_TO = "2025-03-10"  # exclusive
CHANNELS = ("web", "wechat", "telegram")
ENTRIES = ("shipping_time", "refund_policy", "opening_hours", "invoice_rules")
REASONS = ("customer_request", "repeated_misses", "entry_rule")
# Unanswered questions and the group each belongs to: the same question written differently
# (case, width, punctuation) or in other words ("planet Mars", "可以" for "能").
MISSED = (
    ("Do you ship to Mars?", "mars"), ("do you ship to mars", "mars"), ("DO YOU SHIP TO MARS？", "mars"),
    ("Do you ship to planet Mars", "mars"), ("能开发票吗", "fapiao"), ("能开发票吗？", "fapiao"),
    ("可以开发票吗", "fapiao"), ("Can I pay with gold?", "gold"),
    ("<img src=x onerror=window.__xss=1>, \"quoted\"", "markup"),  # shown as text, exported intact
)


@dataclass
class Msg:
    id: str
    author: str  # customer | bot | agent | system
    kind: str
    text: str
    at: datetime
    meta: dict = field(default_factory=dict)
    reply_to: str | None = None
    group: str | None = None  # for a missed customer question: its MISSED group


@dataclass
class Rating:
    attribute: str
    score: int
    at: datetime
    handoff_id: str | None


@dataclass
class Handoff:
    id: str
    reason: str
    requested_at: datetime
    wait_seconds: float | None  # None: never assigned (abandoned)


@dataclass
class Feedback:
    message_id: str
    entry_id: str
    helpful: bool
    at: datetime


@dataclass
class Conv:
    id: str
    channel: str
    customer_id: str
    created_at: datetime
    handoff_reason: str | None = None
    messages: list[Msg] = field(default_factory=list)
    handoffs: list[Handoff] = field(default_factory=list)
    ratings: list[Rating] = field(default_factory=list)
    feedback: list[Feedback] = field(default_factory=list)


@dataclass
class SeedSet:
    conversations: list[Conv]

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(RANGE_FROM).replace(tzinfo=ZoneInfo(TZ)).astimezone(timezone.utc)

    @property
    def end(self) -> datetime:
        return datetime.fromisoformat(RANGE_TO).replace(tzinfo=ZoneInfo(TZ)).astimezone(timezone.utc)


def build_seed(seed: int = 6) -> SeedSet:
    """About 60 conversations over the week, and some just before and after it."""
    rng = random.Random(seed)
    start = datetime.fromisoformat(RANGE_FROM).replace(tzinfo=ZoneInfo(TZ)).astimezone(timezone.utc)
    convs = []
    for i in range(66):
        channel = CHANNELS[i % 3]
        if i < 4:  # before the range (the last one minutes before it)
            created = start - timedelta(minutes=rng.randrange(1, 3 * 24 * 60)) if i < 3 else start - timedelta(minutes=2)
        elif i < 7:  # after the range (the first exactly at its end: [from, to) excludes it)
            created = start + timedelta(days=7, minutes=0 if i == 4 else rng.randrange(1, 2000))
        else:
            created = start + timedelta(minutes=rng.randrange(0, 7 * 24 * 60 - 30))
        customer = f"{channel}-{rng.randrange(14)}"  # some customers come back
        convs.append(_conversation(rng, f"conv{i:03d}", channel, customer, created.replace(microsecond=0)))
    convs[8] = Conv(convs[8].id, convs[8].channel, convs[8].customer_id, convs[8].created_at)  # opened, never
    # written in: not part of containment
    convs[9].handoff_reason = "customer_request"  # asked for a person while nobody was on duty: a ticket
    return SeedSet(convs)


def _conversation(rng: random.Random, cid: str, channel: str, customer: str, created: datetime) -> Conv:
    conv = Conv(cid, channel, customer, created)
    at = created
    for turn in range(rng.randint(1, 4)):
        at += timedelta(seconds=rng.randrange(5, 90))
        q = Msg(f"{cid}q{turn}", "customer", "text", f"question {rng.randrange(1000)}", at)
        reply = Msg(f"{cid}r{turn}", "bot", "answer", "…", at + timedelta(seconds=1), reply_to=q.id)
        roll = rng.random()
        if roll < 0.45:
            entry = rng.choice(ENTRIES)
            reply.meta = {"decision": "answer", "entry_id": entry}
            conv.messages += [q, reply]
            if rng.random() < 0.15:  # an action answering in two messages: still one decision
                conv.messages.append(Msg(f"{cid}r{turn}b", "bot", "action", "…", reply.at, dict(reply.meta), q.id))
            if rng.random() < 0.3:
                conv.feedback.append(Feedback(reply.id, entry, rng.random() < 0.6, reply.at + timedelta(seconds=20)))
        elif roll < 0.6:
            reply.kind, reply.meta = "clarify", {"decision": "clarify"}
            conv.messages += [q, reply]
        elif roll < 0.85:
            q.text, q.group = rng.choice(MISSED)
            reply.kind, reply.meta = "no_answer", {"decision": "no_answer"}
            conv.messages += [q, reply]
        elif roll < 0.92:  # "none of these" pressed: a no_answer decision, but not a typed question
            q.kind, q.text = "button", "/none"
            reply.kind, reply.meta = "no_answer", {"decision": "no_answer", "rejected_clarify": True}
            conv.messages += [q, reply]
        else:  # small talk: no knowledge-base decision
            reply.kind = "greeting"
            conv.messages += [q, reply]
    if rng.random() < 0.4:
        _hand_off(rng, conv, at + timedelta(seconds=5))
        if rng.random() < 0.15:  # back to the bot, then a second handoff
            _hand_off(rng, conv, at + timedelta(hours=1))
    return conv


def _hand_off(rng: random.Random, conv: Conv, at: datetime) -> None:
    h = Handoff(f"{conv.id}h{len(conv.handoffs)}", rng.choice(REASONS), at, None)
    conv.handoff_reason = h.reason
    conv.handoffs.append(h)
    conv.messages.append(Msg(f"{h.id}m", "bot", "handoff", "…", at, {"reason": h.reason}))
    if rng.random() < 0.15:
        return  # abandoned before an agent came
    h.wait_seconds = float(rng.randrange(3, 400)) + rng.choice((0.0, 0.5))
    talk = at + timedelta(seconds=h.wait_seconds)
    conv.messages.append(Msg(f"{h.id}s", "system", "connected", "…", talk))
    conv.messages.append(Msg(f"{h.id}a", "agent", "agent", "…", talk + timedelta(seconds=30)))
    rated_at = talk + timedelta(minutes=5)
    base = rng.randint(1, 5)  # knowledge and resolved follow the customer's mood, speed mostly not
    scores = {
        "resolved": base,
        "knowledge": min(5, max(1, base + rng.choice((-1, 0, 0, 1)))),
        "speed": rng.randint(1, 5),
    }
    for attribute in rng.sample(sorted(scores), rng.randint(1, 3)):
        conv.ratings.append(Rating(attribute, scores[attribute], rated_at, h.id))


async def insert_seed(db: Database, seed: SeedSet) -> None:
    async with db.engine.begin() as conn:
        people = {(c.channel, c.customer_id): c.created_at for c in seed.conversations}
        await conn.execute(insert(customers), [
            {"id": cid, "channel": ch, "channel_user_id": cid, "display_name": "", "language": "zh", "profile": {},
             "created_at": at, "last_seen_at": at}
            for (ch, cid), at in people.items()
        ])
        await conn.execute(insert(conversations), [
            {"id": c.id, "customer_id": c.customer_id, "channel": c.channel, "state": "bot", "language": "zh",
             "misses_in_row": 0, "unhelpful": False, "handoff_reason": c.handoff_reason,
             "created_at": c.created_at, "updated_at": c.created_at}
            for c in seed.conversations
        ])
        rows = [
            {"id": m.id, "conversation_id": c.id, "author": m.author, "channel": c.channel, "reply_to": m.reply_to,
             "kind": m.kind, "text": m.text, "buttons": [], "meta": m.meta, "created_at": m.at}
            for c in seed.conversations for m in c.messages
        ]
        await conn.execute(insert(messages), rows)
        await conn.execute(insert(handoffs), [
            {"id": h.id, "conversation_id": c.id, "reason": h.reason, "detail": "", "language": "zh", "category": "",
             "status": "resolved" if h.wait_seconds is not None else "abandoned", "requested_at": h.requested_at,
             "assigned_at": h.requested_at + timedelta(seconds=h.wait_seconds) if h.wait_seconds is not None else None,
             "wait_seconds": h.wait_seconds, "within_target": None}
            for c in seed.conversations for h in c.handoffs
        ])
        await conn.execute(insert(ratings), [
            {"conversation_id": c.id, "handoff_id": r.handoff_id, "attribute": r.attribute, "score": r.score,
             "created_at": r.at}
            for c in seed.conversations for r in c.ratings
        ])
        await conn.execute(insert(feedback), [
            {"message_id": fb.message_id, "conversation_id": c.id, "entry_id": fb.entry_id, "helpful": fb.helpful,
             "created_at": fb.at}
            for c in seed.conversations for fb in c.feedback
        ])
