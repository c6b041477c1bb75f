"""Training pairs for tuning: two phrasings of the same FAQ entry, batched so no entry repeats in a batch.

MultipleNegativesRankingLoss treats every other pair in a batch as a negative; two pairs of the same
entry in one batch would teach the model to push that entry's phrasings apart.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Sequence

from knowledge.types import FaqEntry

__all__ = ["Pair", "PairSampler"]


@dataclass(frozen=True)
class Pair:
    anchor: str
    positive: str
    entry: int  # index of the entry in the sampler's list


class PairSampler:
    """Per epoch: each phrasing of an entry with 2+ phrasings, paired with another random one of it."""

    def __init__(self, entries: Sequence[FaqEntry], max_pairs: int, seed: int = 0) -> None:
        if max_pairs < 2:
            raise ValueError(f"max_pairs must be >= 2, got {max_pairs}")
        self._groups = [g for g in (_distinct(e) for e in entries) if len(g) >= 2]
        if len(self._groups) < 2:
            raise ValueError(
                "tuning needs at least 2 entries with 2 or more distinct phrasings (question + variants); "
                f"this KB has {len(self._groups)}"
            )
        self._max_pairs = max_pairs
        self._rng = random.Random(seed)

    @property
    def entries(self) -> int:
        """Entries that contribute pairs."""
        return len(self._groups)

    @property
    def pairs_per_epoch(self) -> int:
        return min(self._max_pairs, sum(len(g) for g in self._groups))

    def pairs(self) -> list[Pair]:
        """A fresh draw of one epoch's pairs; over `max_pairs`, entries take turns so all stay covered."""
        rng = self._rng
        per_entry = []
        for index, group in enumerate(self._groups):
            anchors = list(range(len(group)))
            rng.shuffle(anchors)
            per_entry.append([Pair(group[a], group[_other(a, len(group), rng)], index) for a in anchors])
        out: list[Pair] = []
        for turn in range(max(len(p) for p in per_entry)):
            for pairs in per_entry:
                if turn < len(pairs):
                    out.append(pairs[turn])
        return out[:self._max_pairs]

    def batches(self, pairs: Sequence[Pair], batch_size: int) -> list[list[Pair]]:
        """Shuffled batches with at most one pair per entry; batches of fewer than 2 pairs are dropped
        (they would have no negative), which only happens in the tail of a very unbalanced KB."""
        size = min(batch_size, self.entries)
        remaining = list(pairs)
        self._rng.shuffle(remaining)
        batches = []
        while remaining:
            batch, seen, rest = [], set(), []
            for pair in remaining:
                if len(batch) < size and pair.entry not in seen:
                    batch.append(pair)
                    seen.add(pair.entry)
                else:
                    rest.append(pair)
            if len(batch) < 2:
                break
            batches.append(batch)
            remaining = rest
        self._rng.shuffle(batches)  # the greedy fill leaves small batches at the end
        return batches


def _distinct(entry: FaqEntry) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in entry.phrasings if t.strip()))


def _other(a: int, n: int, rng: random.Random) -> int:
    b = rng.randrange(n - 1)
    return b + 1 if b >= a else b
