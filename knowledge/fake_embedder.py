"""A deterministic embedder for fast tests: hashed character n-grams, L2-normalised.

Strings that share many character n-grams get close vectors, so "reset my password" and
"how to reset password" land near each other without loading any model.
"""
from __future__ import annotations

import zlib
import unicodedata
from typing import Sequence

import numpy as np

__all__ = ["FakeEmbedder"]


class FakeEmbedder:
    """Signed feature hashing of character 1-3-grams into `dim` buckets."""

    def __init__(self, dim: int = 256, ngrams: tuple[int, ...] = (1, 2, 3)) -> None:
        if dim < 8:
            raise ValueError(f"dim must be >= 8, got {dim}")
        self._dim = dim
        self._ngrams = ngrams
        self.calls = 0  # encode() calls, for tests that check nothing was re-embedded
        self.sentences = 0

    @property
    def name(self) -> str:
        return f"fake-ngram-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.sentences += len(texts)
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            s = f" {unicodedata.normalize('NFKC', text).lower().strip()} "
            for n in self._ngrams:
                for i in range(len(s) - n + 1):
                    h = zlib.crc32(s[i : i + n].encode())  # stable across processes, unlike hash()
                    out[row, (h >> 1) % self._dim] += 1.0 if h & 1 else -1.0
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
        return out
