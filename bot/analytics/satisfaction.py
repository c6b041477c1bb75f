"""Customer ratings of agents (1-5 on resolved, speed and knowledge) given in a report's range.

- Overall satisfaction: the mean of every rating in the range, whatever its attribute.
- Per attribute: the mean score, how many ratings, and how many of each score.
- Which attribute moves satisfaction most ("driver"): one rated handoff is one customer's opinion.
  For each attribute A, take every handoff where A and at least one other attribute were rated,
  and pair A's score with the mean of the other attributes' scores there. Pearson's r over those
  pairs says how closely A goes with the rest of the customer's satisfaction; the attribute with
  the highest r is the driver. r needs at least 3 pairs and some spread on both sides, else it is
  left out (no driver is named from too little data).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.analytics.figures import mean, pearson
from bot.analytics.report_filter import ReportFilter
from bot.storage.database import Database
from bot.storage.tables import conversations, ratings

ATTRIBUTES = ("resolved", "speed", "knowledge")
SCORES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class AttributeScore:
    attribute: str
    count: int
    mean: float | None
    distribution: dict[int, int]  # score -> ratings
    r: float | None  # Pearson r with the mean of the other attributes of the same handoff
    pairs: int  # handoffs that r was computed over


@dataclass(frozen=True)
class SatisfactionReport:
    count: int  # ratings
    handoffs: int  # rated handoffs (a rating without a handoff counts by its conversation)
    mean: float | None
    attributes: tuple[AttributeScore, ...]

    @property
    def driver(self) -> str | None:
        known = [a for a in self.attributes if a.r is not None]
        return max(known, key=lambda a: (a.r, a.attribute)).attribute if known else None


class Satisfaction:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def report(self, f: ReportFilter) -> SatisfactionReport:
        query = (
            select(ratings.c.handoff_id, ratings.c.conversation_id, ratings.c.attribute, ratings.c.score)
            .select_from(ratings.join(conversations, ratings.c.conversation_id == conversations.c.id))
            .where(ratings.c.created_at >= f.start, ratings.c.created_at < f.end, ratings.c.attribute.in_(ATTRIBUTES))
        )
        if f.channel is not None:
            query = query.where(conversations.c.channel == f.channel)
        async with self.db.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        by_handoff: dict[str, dict[str, int]] = {}
        for handoff_id, conversation_id, attribute, score in rows:
            key = handoff_id or f"conversation:{conversation_id}"
            by_handoff.setdefault(key, {})[attribute] = int(score)
        scores = [int(score) for *_rest, score in rows]
        attributes = tuple(_attribute(name, rows, by_handoff) for name in ATTRIBUTES)
        return SatisfactionReport(len(scores), len(by_handoff), mean(scores), attributes)


def _attribute(name: str, rows: list, by_handoff: dict[str, dict[str, int]]) -> AttributeScore:
    own = [int(score) for _h, _c, attribute, score in rows if attribute == name]
    xs: list[float] = []
    ys: list[float] = []
    for rated in by_handoff.values():
        others = [score for attribute, score in rated.items() if attribute != name]
        if name in rated and others:
            xs.append(rated[name])
            ys.append(sum(others) / len(others))
    distribution = {s: own.count(s) for s in SCORES}
    return AttributeScore(name, len(own), mean(own), distribution, pearson(xs, ys), len(xs))
