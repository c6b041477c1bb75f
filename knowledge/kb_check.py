"""The whole-KB check of the editor: variants that sit closer to another entry, near-duplicate
entries, entries with no variants.

A variant is searched with the live retriever: when the top candidate is another entry, a
customer asking exactly that variant gets the other answer. Because the variant itself is in the
index (and usually wins for its own entry), it is also compared leave-one-out on character
n-grams: when some phrasing of another entry is more similar to it than any other phrasing of its
own entry, the variant probably belongs there (or the two entries overlap).
Runs synchronously (encoding all variants is CPU work): call it from a thread.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Sequence

import numpy as np

from knowledge.tokenizer import cjk_share
from knowledge.text_similarity import TextSimilarity, normalise_question
from knowledge.types import FaqEntry

if TYPE_CHECKING:  # a SearchProcess stands in for it in the web process
    from knowledge.retriever import Retriever

__all__ = ["KbCheck", "KbCheckReport", "ConfusedVariant", "NearDuplicate"]


@dataclass(frozen=True)
class ConfusedVariant:
    entry_id: str
    variant: str
    closer_entry: str
    own_similarity: float  # best n-gram similarity to the entry's other phrasings
    other_similarity: float  # best n-gram similarity to a phrasing of closer_entry
    search_top: str  # the entry the live search answers the variant with
    search_confidence: float


@dataclass(frozen=True)
class NearDuplicate:
    first: str
    second: str
    similarity: float  # of the two questions
    same_answer: bool


@dataclass(frozen=True)
class KbCheckReport:
    entries: int
    confused_variants: tuple[ConfusedVariant, ...]
    near_duplicates: tuple[NearDuplicate, ...]
    no_variants: tuple[str, ...]


class KbCheck:
    def __init__(self, retriever: Retriever, duplicate_threshold: float = 0.8, min_similarity: float = 0.6,
                 margin: float = 0.3) -> None:
        self.retriever = retriever
        self.duplicate_threshold = duplicate_threshold
        # Below min_similarity, or ahead by less than margin, "closer" is noise between two poor matches.
        self.min_similarity = min_similarity
        self.margin = margin

    def run(self, entries: Sequence[FaqEntry]) -> KbCheckReport:
        entries = [e for e in entries if e.status == "published"]
        return KbCheckReport(
            entries=len(entries),
            confused_variants=tuple(self._confused(entries)),
            near_duplicates=tuple(self._duplicates(entries)),
            no_variants=tuple(e.id for e in entries if not [v for v in e.variants if v.strip()]),
        )

    def _confused(self, entries: list[FaqEntry]) -> list[ConfusedVariant]:
        texts, owners = [], []
        for e in entries:
            for phrasing in dict.fromkeys(p.strip() for p in e.phrasings if p.strip()):
                texts.append(phrasing)
                owners.append(e.id)
        questions = {e.id: e.question.strip() for e in entries}
        variants = [i for i, t in enumerate(texts) if t != questions[owners[i]]]
        if not variants:
            return []
        owner_arr = np.array(owners)
        script = np.array([cjk_share(t) > 0.3 for t in texts])
        similarity = TextSimilarity(texts).between(variants, range(len(texts)))
        results = self.retriever.search_batch([texts[i] for i in variants], 3)
        found = []
        for row, (i, result) in enumerate(zip(variants, results)):
            scores = similarity[row].copy()
            scores[i] = -1.0  # leave the variant itself out
            scores[script != script[i]] = -1.0  # an English variant is not "far" from its Chinese question
            own_mask = (owner_arr == owners[i]) & (scores >= 0)
            if not own_mask.any() and not (result.top and result.top.entry_id != owners[i]):
                continue  # no other phrasing of its own in this language to compare with
            own = float(scores[own_mask].max()) if own_mask.any() else 0.0
            other_scores = np.where(owner_arr == owners[i], -1.0, scores)
            best = int(np.argmax(other_scores))
            other = float(other_scores[best])
            top = result.top
            search_wrong = top is not None and top.entry_id != owners[i]
            if search_wrong or (other >= self.min_similarity and other - own >= self.margin):
                closer = top.entry_id if search_wrong else owners[best]
                found.append(ConfusedVariant(owners[i], texts[i], closer, round(own, 3), round(other, 3),
                                             top.entry_id if top else "", round(top.confidence, 3) if top else 0.0))
        found.sort(key=lambda c: (not c.search_top or c.search_top == c.entry_id, c.own_similarity - c.other_similarity))
        return found

    def _duplicates(self, entries: list[FaqEntry]) -> list[NearDuplicate]:
        if len(entries) < 2:
            return []
        similarity = TextSimilarity([e.question for e in entries]).matrix()
        answers = [normalise_question(e.answer) for e in entries]
        flagged = set(map(tuple, np.argwhere(np.triu(similarity >= self.duplicate_threshold, k=1)).tolist()))
        by_answer: dict[str, list[int]] = defaultdict(list)
        for i, answer in enumerate(answers):
            if answer:
                by_answer[answer].append(i)
        flagged.update((a, b) for same in by_answer.values() for a, b in combinations(same, 2))
        pairs = [NearDuplicate(entries[a].id, entries[b].id, round(float(similarity[a, b]), 3),
                               bool(answers[a]) and answers[a] == answers[b]) for a, b in sorted(flagged)]
        pairs.sort(key=lambda p: -p.similarity)
        return pairs
