"""The dashboard's figures for a SeedSet, worked out in plain Python from the seed objects, with
the standard library's statistics (not bot.analytics), following the definitions in the docs."""
from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from tests.analytics.seed import TZ, SeedSet

ATTRIBUTES = ("resolved", "speed", "knowledge")


@dataclass
class Expected:
    channels: dict  # channel -> Counter(conversations=, customer=, bot=, agent=, system=)
    cohort: int
    contained: int
    reasons: Counter
    decisions: Counter
    answered: Counter  # entry -> answered turns
    votes: Counter  # (entry, helpful) -> feedback
    unanswered: dict  # MISSED group -> (asked, customers)
    waits: list
    unassigned: int
    ratings: dict  # attribute -> list of scores
    correlations: dict  # attribute -> r or None
    heatmap: Counter  # (channel, weekday, hour) -> conversations
    daily: Counter  # (date iso, channel) -> conversations

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.waits, n=100, method="inclusive")[q - 1]

    @property
    def driver(self) -> str | None:
        known = {a: r for a, r in self.correlations.items() if r is not None}
        return max(known, key=lambda a: (known[a], a)) if known else None

    @property
    def all_scores(self) -> list[int]:
        return [s for scores in self.ratings.values() for s in scores]


def expected_figures(seed: SeedSet, channel: str | None = None, tz: str = TZ) -> Expected:
    zone = ZoneInfo(tz)

    def inside(moment: datetime) -> bool:
        return seed.start <= moment < seed.end

    convs = [c for c in seed.conversations if channel is None or c.channel == channel]
    channels: dict = {}
    for c in convs:
        if inside(c.created_at):
            channels.setdefault(c.channel, Counter())["conversations"] += 1
        for m in c.messages:
            if inside(m.at):
                channels.setdefault(c.channel, Counter())[m.author] += 1

    cohort = [c for c in convs if inside(c.created_at) and any(m.author == "customer" for m in c.messages)]
    contained = [c for c in cohort if not c.handoffs and c.handoff_reason is None]

    turns: dict[str, set] = {}
    answered_turns: dict[str, set] = {}
    missed: dict[str, tuple[int, set]] = {}
    for c in convs:
        by_id = {m.id: m for m in c.messages}
        for m in c.messages:
            decision = m.meta.get("decision")
            if m.author == "bot" and decision and inside(m.at):
                turns.setdefault(decision, set()).add(m.reply_to)
                if decision == "answer":
                    answered_turns.setdefault(m.meta["entry_id"], set()).add(m.reply_to)
            if m.author == "bot" and decision == "no_answer":
                question = by_id[m.reply_to]
                if question.kind == "text" and inside(question.at):
                    asked, who = missed.get(question.group, (0, set()))
                    missed[question.group] = (asked + 1, who | {c.customer_id})

    handoffs = [h for c in convs for h in c.handoffs if inside(h.requested_at)]
    ratings = [r for c in convs for r in c.ratings if inside(r.at)]
    by_handoff: dict[str, dict] = {}
    for r in ratings:
        by_handoff.setdefault(r.handoff_id, {})[r.attribute] = r.score
    correlations = {}
    for a in ATTRIBUTES:
        pairs = [(rated[a], statistics.mean(v for k, v in rated.items() if k != a))
                 for rated in by_handoff.values() if a in rated and len(rated) > 1]
        try:
            correlations[a] = statistics.correlation([x for x, _ in pairs], [y for _, y in pairs]) if len(pairs) >= 3 else None
        except statistics.StatisticsError:  # one side constant
            correlations[a] = None

    local = [(c.channel, c.created_at.astimezone(zone)) for c in convs if inside(c.created_at)]
    return Expected(
        channels=channels,
        cohort=len(cohort),
        contained=len(contained),
        reasons=Counter(h.reason for h in handoffs),
        decisions=Counter({d: len(ids) for d, ids in turns.items()}),
        answered=Counter({e: len(ids) for e, ids in answered_turns.items()}),
        votes=Counter((fb.entry_id, fb.helpful) for c in convs for fb in c.feedback if inside(fb.at)),
        unanswered={g: (asked, len(who)) for g, (asked, who) in missed.items()},
        waits=[h.wait_seconds for h in handoffs if h.wait_seconds is not None],
        unassigned=sum(1 for h in handoffs if h.wait_seconds is None),
        ratings={a: [r.score for r in ratings if r.attribute == a] for a in ATTRIBUTES},
        correlations=correlations,
        heatmap=Counter((ch, t.weekday(), t.hour) for ch, t in local),
        daily=Counter((t.date().isoformat(), ch) for ch, t in local),
    )
