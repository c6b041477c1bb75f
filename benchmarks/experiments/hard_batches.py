"""Lab: tuning batches that put confusable entries together (hard negatives for SupCon).

Each batch starts from a random entry, takes the `near` entries whose base-model centroids are
closest to it (of those with phrasings left this epoch), and fills up with random ones. Runs the
product's `tune_model` with these batches and keeps the folder, as tune_keep.py does:

    .venv/bin/python benchmarks/experiments/hard_batches.py FAQ.json OUT_DIR [near=8]
"""
from __future__ import annotations

import sys
from dataclasses import replace

import numpy as np

from scope_lab import embed

import knowledge.tuning as tuning
from knowledge.entry_batches import Batch, EntryBatches
from knowledge.formats import read_faq
from knowledge.settings import KnowledgeSettings


class HardBatches(EntryBatches):
    near = 8

    def epoch(self) -> list[Batch]:
        rng = self._rng
        if not hasattr(self, "_sim"):
            cent = np.stack([embed(list(g), "default").mean(0) for g in self.groups])
            cent /= np.linalg.norm(cent, axis=1, keepdims=True)
            self._sim = cent @ cent.T
        left: dict[int, list[list[str]]] = {}
        for label, texts in self.chunks():
            left.setdefault(label, []).append(texts)
        batches = []
        while left:
            labels = list(left)
            seed = rng.choice(labels)
            others = sorted((l for l in labels if l != seed), key=lambda l: -self._sim[seed, l])
            chosen = [seed] + others[: self.near]
            rest = others[self.near:]
            rng.shuffle(rest)
            chosen += rest[: self.entries_per_batch - len(chosen)]
            texts, tags = [], []
            for label in chosen:
                chunk = left[label].pop()
                texts += chunk
                tags += [label] * len(chunk)
                if not left[label]:
                    del left[label]
            batches.append(Batch(tuple(texts), tuple(tags)))
        return batches


if __name__ == "__main__":
    HardBatches.near = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    tuning.EntryBatches = HardBatches
    entries = [replace(e, status="published") for e in read_faq(sys.argv[1])]
    print(tuning.tune_model(KnowledgeSettings(), entries, sys.argv[2], progress=False))
