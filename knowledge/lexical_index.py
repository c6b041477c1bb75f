"""BM25 over the terms of `Tokenizer`, with incremental add/remove.

Documents live in a compiled sparse matrix (fast scoring) plus a short list of documents added
since the last compile (scored in Python); removals are masked. The index recompiles itself once
the pending and removed documents pass a fraction of the whole, so an edit is visible to the next
search without rebuilding anything.

Scores are normalised by the query's score against itself: 1.0 means every query term occurs in
the document as strongly as in the query, and query terms no document has count against it.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from knowledge.tokenizer import Tokenizer

__all__ = ["LexicalIndex", "LexicalScores"]


class LexicalScores:
    """Normalised BM25 scores of one query over all indexed documents."""

    def __init__(self, scores: np.ndarray, row_ids: np.ndarray, row_of: dict[int, int]) -> None:
        self._scores = scores
        self._row_ids = row_ids
        self._row_of = row_of

    def top(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the k best documents with a score above zero, best first."""
        scores = self._scores
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k <= 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        rows = np.argpartition(-scores, k - 1)[:k]
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        return self._row_ids[rows], scores[rows]

    def of(self, ids: Iterable[int]) -> np.ndarray:
        return np.array([self._scores[self._row_of[i]] for i in ids], dtype=np.float32)


class LexicalIndex:
    """BM25 (k1, b) over documents keyed by int ids. Not thread-safe: the caller locks."""

    def __init__(self, tokenizer: Tokenizer, k1: float = 1.2, b: float = 0.75) -> None:
        self._tok = tokenizer
        self._k1, self._b = k1, b
        self._vocab: dict[str, int] = {}
        self._df = np.zeros(0, dtype=np.int64)  # live documents per term
        self._total_len = 0
        self._docs: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id -> (term cols, counts)
        self._compile()

    def __len__(self) -> int:
        return len(self._docs)

    def __contains__(self, doc_id: int) -> bool:
        return doc_id in self._docs

    def add(self, ids: Sequence[int], texts: Sequence[str]) -> None:
        if len(ids) != len(texts):
            raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
        for doc_id in ids:
            if int(doc_id) in self._docs:
                raise ValueError(f"document id {doc_id} is already indexed")
        for doc_id, text in zip(ids, texts):
            counts = Counter(self._tok.terms(text))
            cols = np.fromiter((self._col(t) for t in counts), dtype=np.int64, count=len(counts))
            tfs = np.fromiter(counts.values(), dtype=np.float32, count=len(counts))
            self._df[cols] += 1
            self._total_len += int(tfs.sum())
            self._docs[int(doc_id)] = (cols, tfs)
            self._pending.append(int(doc_id))
        self._after_change()

    def remove(self, ids: Iterable[int]) -> None:
        for doc_id in ids:
            cols, tfs = self._docs.pop(int(doc_id))
            self._df[cols] -= 1
            self._total_len -= int(tfs.sum())
            row = self._row_of.pop(int(doc_id))
            if row < self._matrix.shape[0]:
                self._alive[row] = 0.0
                self._dead += 1
            else:
                self._pending.remove(int(doc_id))
        self._after_change()

    def scores(self, text: str) -> LexicalScores:
        n = len(self._docs)
        q = Counter(self._tok.terms(text))
        idf_oov = np.log1p((n + 0.5) / 0.5)
        cols, weights, self_score = [], [], 0.0
        qlen = sum(q.values())
        for term, qtf in q.items():
            col = self._vocab.get(term, -1)
            df = self._df[col] if col >= 0 else 0
            idf = np.log1p((n - df + 0.5) / (df + 0.5)) if df else idf_oov
            self_score += qtf * idf * self._tf_part(qtf, qlen)
            if df:
                cols.append(col)
                weights.append(qtf * idf)
        out = np.zeros(len(self._row_ids), dtype=np.float32)
        if cols and n:
            w = np.zeros(len(self._vocab), dtype=np.float32)
            w[cols] = weights
            n_compiled = self._matrix.shape[0]
            if n_compiled:
                # a CSC column slice only touches the postings of the query's terms
                hit = [c for c in cols if c < self._matrix.shape[1]]
                if hit:
                    out[:n_compiled] = self._matrix[:, hit] @ w[hit]
                out[:n_compiled] *= self._alive
            for j, doc_id in enumerate(self._pending, start=n_compiled):
                dcols, tfs = self._docs[doc_id]
                out[j] = float(w[dcols] @ self._tf_part(tfs, tfs.sum()))
            out /= self_score
            np.clip(out, 0.0, 1.0, out=out)
        return LexicalScores(out, self._row_ids, self._row_of)

    # -- internals -----------------------------------------------------------------------------

    def _tf_part(self, tf, doc_len):
        norm = self._k1 * (1 - self._b + self._b * doc_len / self._avgdl)
        return tf * (self._k1 + 1) / (tf + norm)

    def _col(self, term: str) -> int:
        col = self._vocab.get(term)
        if col is None:
            col = self._vocab[term] = len(self._vocab)
            if col >= len(self._df):
                self._df = np.concatenate([self._df, np.zeros(max(1024, col), dtype=np.int64)])
        return col

    def _after_change(self) -> None:
        if len(self._pending) + self._dead > max(64, len(self._docs) // 10):
            self._compile()
            return
        # pending documents sit after the compiled rows, in the order they were added
        n_compiled = self._matrix.shape[0]
        self._row_ids = np.concatenate([self._row_ids[:n_compiled], np.array(self._pending, dtype=np.int64)])
        for j, doc_id in enumerate(self._pending, start=n_compiled):
            self._row_of[doc_id] = j

    def _compile(self) -> None:
        ids = list(self._docs)
        self._avgdl = max(1.0, self._total_len / max(1, len(ids)))
        lens = [self._docs[i][1].sum() for i in ids]
        indptr = np.zeros(len(ids) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(self._docs[i][0]) for i in ids])
        cols = np.concatenate([self._docs[i][0] for i in ids]) if ids else np.empty(0, np.int64)
        tfs = np.concatenate([self._docs[i][1] for i in ids]) if ids else np.empty(0, np.float32)
        dl = np.repeat(np.array(lens, dtype=np.float32), np.diff(indptr))
        data = self._tf_part(tfs, dl).astype(np.float32)
        csr = sparse.csr_matrix((data, cols, indptr), shape=(len(ids), len(self._vocab)))
        self._matrix = csr.tocsc()
        self._row_ids = np.array(ids, dtype=np.int64)
        self._row_of = {doc_id: row for row, doc_id in enumerate(ids)}
        self._alive = np.ones(len(ids), dtype=np.float32)
        self._pending: list[int] = []
        self._dead = 0
