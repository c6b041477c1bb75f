"""Training batches for tuning: a few phrasings each of several FAQ entries.

The supervised contrastive loss (tune_loss.py) treats every other phrasing of the same entry in a
batch as a positive and the rest as negatives, so a batch must hold 2+ phrasings of each entry it
touches and as many different entries as it can. Each epoch shows every phrasing exactly once:
an entry's phrasings are shuffled and cut into near-equal groups of about `per_entry`, and the
groups are packed into batches of at most `entries_per_batch` different entries.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Sequence

from knowledge.types import FaqEntry

__all__ = ["Batch", "EntryBatches"]


@dataclass(frozen=True)
class Batch:
    texts: tuple[str, ...]
    labels: tuple[int, ...]  # index of each text's entry in EntryBatches.groups


class EntryBatches:
    """The KB's distinct phrasings grouped by entry, and a fresh set of batches per epoch."""

    def __init__(self, entries: Sequence[FaqEntry], entries_per_batch: int = 16, per_entry: int = 4,
                 seed: int = 0) -> None:
        if entries_per_batch < 2 or per_entry < 2:
            raise ValueError(f"a batch needs 2+ entries of 2+ phrasings, got {entries_per_batch} x {per_entry}")
        # sorted by id: the same KB tunes to the same model whatever order its file listed it in
        by_id = sorted(((e.id, _distinct(e)) for e in entries), key=lambda pair: pair[0])
        kept = [(entry_id, group) for entry_id, group in by_id if len(group) >= 2]
        self.entry_ids = [entry_id for entry_id, _ in kept]  # of each group
        self.groups = [group for _, group in kept]
        if len(self.groups) < 2:
            raise ValueError(
                "tuning needs at least 2 entries with 2 or more distinct phrasings (question + variants); "
                f"this KB has {len(self.groups)}"
            )
        self.entries_per_batch = entries_per_batch
        self.per_entry = per_entry
        self._rng = random.Random(seed)

    @property
    def phrasings(self) -> int:
        return sum(len(g) for g in self.groups)

    def chunks(self) -> list[tuple[int, list[str]]]:
        """This epoch's (group index, phrasings) pieces of about `per_entry`, every phrasing once."""
        chunks: list[tuple[int, list[str]]] = []
        for label, group in enumerate(self.groups):
            texts = list(group)
            self._rng.shuffle(texts)
            parts = max(1, math.ceil(len(texts) / self.per_entry))
            # near-equal sizes (5 -> 3 + 2, not 4 + 1): a lone phrasing would have no positive
            chunks += [(label, texts[i::parts]) for i in range(parts)]
        return chunks

    def epoch(self) -> list[Batch]:
        rng = self._rng
        chunks = self.chunks()
        rng.shuffle(chunks)
        batches: list[Batch] = []
        while chunks:
            taken, seen, rest = [], set(), []
            for label, texts in chunks:
                if len(taken) < self.entries_per_batch and label not in seen:
                    taken.append((label, texts))
                    seen.add(label)
                else:
                    rest.append((label, texts))
            batches.append(Batch(tuple(t for _, ts in taken for t in ts),
                                 tuple(label for label, ts in taken for _ in ts)))
            chunks = rest
        return batches


def _distinct(entry: FaqEntry) -> list[str]:
    return list(dict.fromkeys(t.strip() for t in entry.phrasings if t.strip()))
