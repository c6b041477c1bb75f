"""Grouping of questions the bot did not answer well, for the editor's "learn from misses" page.

A miss is one customer message whose reply was `no_answer` or `clarify`, whose answer was rated
"not helpful", or that was followed by a request for a person. Identical questions (after
normalising case, width and punctuation) count once per text; distinct texts are clustered by
average-linkage agglomerative clustering on character n-gram cosine similarity, so "积分能换现金吗"
and "积分可以兑换现金吗" meet, and so do "can I pay by paypal" and "paypal payment?". Groups are
ranked by how many different customers asked, then by how often, then by how recently.
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable, Mapping

import numpy as np

from knowledge.text_similarity import TextSimilarity, normalise_question

__all__ = ["Miss", "MissGroup", "MissGroups", "question_key"]

REASONS = ("no_answer", "clarify", "not_helpful", "handoff")


def question_key(text: str) -> str:
    """A fixed-size identity of a question text, for remembering dismissed or accepted ones."""
    return hashlib.sha256(normalise_question(text).encode()).hexdigest()


@dataclass(frozen=True)
class Miss:
    message_id: str
    text: str
    customer_id: str
    reason: str  # one of REASONS
    at: datetime
    channel: str = ""


@dataclass(frozen=True)
class MissGroup:
    representative: str  # the question closest to all the others
    questions: tuple[str, ...]  # distinct texts, most asked first
    customers: int  # distinct customers who asked any of them
    asked: int  # messages
    last_asked: datetime
    reasons: Mapping[str, int] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return hashlib.sha256("\n".join(sorted(question_key(q) for q in self.questions)).encode()).hexdigest()[:16]


class MissGroups:
    """`group(misses)` -> ranked MissGroup list. `threshold` is the average cosine similarity
    two clusters need to merge; `max_questions` bounds the quadratic part to the most recent texts."""

    def __init__(self, threshold: float = 0.3, max_questions: int = 2000) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError(f"threshold must be between 0 and 1, got {threshold!r}")
        self.threshold = threshold
        self.max_questions = max_questions

    def group(self, misses: Iterable[Miss]) -> list[MissGroup]:
        by_text: dict[str, list[Miss]] = defaultdict(list)
        for miss in misses:
            key = normalise_question(miss.text)
            if key:
                by_text[key].append(miss)
        # Most recent first, so the cap keeps what customers ask now.
        keys = sorted(by_text, key=lambda k: max(m.at for m in by_text[k]), reverse=True)[: self.max_questions]
        if not keys:
            return []
        labels = self._cluster([by_text[k][0].text for k in keys])
        clusters: dict[int, list[str]] = defaultdict(list)
        for key, label in zip(keys, labels):
            clusters[int(label)].append(key)
        groups = [self._group(members, by_text) for members in clusters.values()]
        groups.sort(key=lambda g: (-g.customers, -g.asked, -g.last_asked.timestamp(), g.representative))
        return groups

    def _cluster(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:
            return np.array([1])
        similarity = TextSimilarity(texts).matrix()
        distance = np.clip(1.0 - similarity, 0.0, 2.0)
        np.fill_diagonal(distance, 0.0)
        condensed = distance[np.triu_indices(len(texts), k=1)]
        from scipy.cluster.hierarchy import fcluster, linkage  # when used: the web process starts without it

        tree = linkage(condensed, method="average")
        return fcluster(tree, t=1.0 - self.threshold, criterion="distance")

    @staticmethod
    def _group(members: list[str], by_text: dict[str, list["Miss"]]) -> MissGroup:
        misses = [m for key in members for m in by_text[key]]
        asked_per_text = {key: len({m.customer_id for m in by_text[key]}) for key in members}
        ordered = sorted(members, key=lambda k: (-asked_per_text[k], -len(by_text[k]), k))
        texts = [by_text[key][0].text.strip() for key in ordered]
        representative = texts[0]
        if len(texts) > 2:
            similarity = TextSimilarity(texts).matrix()
            representative = texts[int(np.argmax(similarity.sum(axis=1)))]
        return MissGroup(
            representative=representative,
            questions=tuple(texts),
            customers=len({m.customer_id for m in misses}),
            asked=len(misses),
            last_asked=max(m.at for m in misses),
            reasons=dict(Counter(m.reason for m in misses)),
        )
