"""Character n-gram similarity of short questions, for Chinese and English alike.

Used where the editor compares phrasings with each other (grouping missed questions, the
whole-KB check) rather than with the search index. Features: Chinese characters and character
bigrams (no word segmentation needed), English words and their character trigrams (so "paypal"
meets "PayPal payment"). TF-IDF fitted on the texts at hand discounts what every question
shares ("吗", "的", "do you"), so unrelated questions score near 0 and paraphrases 0.3-0.7.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Sequence

import numpy as np

__all__ = ["TextSimilarity", "normalise_question", "features"]

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"[^\W_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_BLOCK = 512  # rows per block of the similarity matrix, so memory stays O(block * n)


def normalise_question(text: str) -> str:
    """NFKC, lower case, punctuation and runs of spaces folded to one space: the identity of a question."""
    return _PUNCT.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def features(text: str) -> list[str]:
    """The n-grams one question is compared by (of its normalised form)."""
    text = normalise_question(text)
    out: list[str] = []
    for run in _CJK.findall(text):
        out += list(run)
        out += [run[i:i + 2] for i in range(len(run) - 1)]
    for word in _WORD.findall(text):
        padded = f" {word} "
        out.append(f"w:{word}")
        out += [padded[i:i + 3] for i in range(len(padded) - 2)]
    return out


class TextSimilarity:
    """Vectors for a fixed set of texts; `matrix()` and `between()` give cosine similarities."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        if not any(features(t) for t in self.texts):
            from scipy import sparse  # imported when used: the web process starts without it

            self._vectors = sparse.csr_matrix((len(self.texts), 1), dtype=np.float32)
            return
        from sklearn.feature_extraction.text import TfidfVectorizer  # when used, as above

        vectorizer = TfidfVectorizer(analyzer=features, sublinear_tf=True, dtype=np.float32, norm="l2")
        self._vectors = vectorizer.fit_transform(self.texts).tocsr()

    def __len__(self) -> int:
        return len(self.texts)

    def matrix(self) -> np.ndarray:
        """Dense n x n cosine similarities (for up to a few thousand texts)."""
        return np.asarray((self._vectors @ self._vectors.T).todense(), dtype=np.float32)

    def between(self, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
        """Similarities of some texts against others, computed in blocks."""
        left, right = self._vectors[list(rows)], self._vectors[list(cols)]
        out = np.zeros((left.shape[0], right.shape[0]), dtype=np.float32)
        for start in range(0, left.shape[0], _BLOCK):
            block = left[start:start + _BLOCK] @ right.T
            out[start:start + _BLOCK] = block.toarray()
        return out
