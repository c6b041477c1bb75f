"""BM25 over the terms of `Tokenizer`, with incremental add/remove and batched scoring.

Documents live in a compiled sparse matrix (fast scoring) plus a short list of documents added
since the last compile (scored in Python); removals are masked. The index recompiles itself once
the pending and removed documents pass a fraction of the whole, so an edit is visible to the next
search without rebuilding anything.

Scores are normalised by the query's score against itself: 1.0 means every query term occurs in
the document as strongly as in the query, and query terms no document has count against it.
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from scipy import sparse

from knowledge.tokenizer import Tokenizer

__all__ = ["LexicalIndex", "LexicalScores"]

_FORMAT = 1


class LexicalScores:
    """Normalised BM25 scores of one query over all indexed documents."""

    def __init__(self, scores: np.ndarray, row_ids: np.ndarray, row_lookup: np.ndarray) -> None:
        self._scores = scores
        self._row_ids = row_ids
        self._row_lookup = row_lookup  # document id -> row

    def top(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids and scores of the k best documents with a score above zero, best first."""
        scores = self._scores
        rows = np.flatnonzero(scores > 0)  # usually far fewer than all documents
        if k <= 0 or not len(rows):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if len(rows) > k:
            rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
        rows = rows[np.argsort(-scores[rows], kind="stable")]
        return self._row_ids[rows], scores[rows]

    def of(self, ids: Iterable[int] | np.ndarray) -> np.ndarray:
        ids = np.asarray(ids if isinstance(ids, np.ndarray) else list(ids), dtype=np.int64)
        return self._scores[self._row_lookup[ids]].astype(np.float32, copy=False)


class LexicalIndex:
    """BM25 (k1, b) over documents keyed by small non-negative int ids. The caller locks."""

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
            if int(doc_id) < 0:
                raise ValueError(f"document ids must be >= 0, got {doc_id}")
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
        return self.scores_batch([text])[0]

    def scores_batch(self, texts: Sequence[str]) -> list[LexicalScores]:
        """Scores of many queries with one sparse product; each equals what `scores` gives alone."""
        n = len(self._docs)
        # one flat row per (query, distinct term): numpy does the BM25 arithmetic for all at once
        qi, cols, qtf, qlen = [], [], [], []
        for i, text in enumerate(texts):
            q = Counter(self._tok.terms(text))
            total = sum(q.values())
            for term, tf in q.items():
                qi.append(i)
                cols.append(self._vocab.get(term, -1))
                qtf.append(tf)
                qlen.append(total)
        qi_a, cols_a = np.array(qi, dtype=np.int64), np.array(cols, dtype=np.int64)
        qtf_a, qlen_a = np.array(qtf, dtype=np.float64), np.array(qlen, dtype=np.float64)
        df = np.where(cols_a >= 0, self._df[cols_a], 0) if len(cols_a) else np.zeros(0, np.int64)
        idf = np.where(df > 0, np.log1p((n - df + 0.5) / (df + 0.5)), np.log1p((n + 0.5) / 0.5))
        self_scores = np.bincount(qi_a, qtf_a * idf * self._tf_part(qtf_a, qlen_a), minlength=len(texts))
        found = df > 0
        out = np.zeros((len(texts), len(self._row_ids)), dtype=np.float32)
        if n and found.any():
            n_compiled, n_cols = self._matrix.shape
            weight = (qtf_a * idf).astype(np.float32)
            in_matrix = found & (cols_a < n_cols)
            if in_matrix.any() and n_compiled:
                # sorted columns: every document sums its terms in one order, alone or in a batch
                hit, where = np.unique(cols_a[in_matrix], return_inverse=True)
                weights = np.zeros((len(hit), len(texts)), dtype=np.float32)
                weights[where, qi_a[in_matrix]] = weight[in_matrix]
                # a CSC column slice only touches the postings of the queries' terms
                out[:, :n_compiled] = (self._matrix[:, hit] @ weights).T
                out[:, :n_compiled] *= self._alive
            if self._pending:
                self._score_pending(qi_a[found], cols_a[found], weight[found], out[:, n_compiled:])
            out /= np.where(self_scores > 0, self_scores, 1.0).astype(np.float32)[:, None]  # blank query: 0
            np.clip(out, 0.0, 1.0, out=out)
        return [LexicalScores(row, self._row_ids, self._row_lookup) for row in out]

    # -- persistence ---------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the whole state (not the texts): loading it needs no tokenizing at all."""
        ids = list(self._docs)
        doc_ptr = np.zeros(len(ids) + 1, dtype=np.int64)
        doc_ptr[1:] = np.cumsum([len(self._docs[i][0]) for i in ids])
        m = self._matrix
        arrays = {
            "doc_ids": np.array(ids, dtype=np.int64), "doc_ptr": doc_ptr,
            "doc_cols": np.concatenate([self._docs[i][0] for i in ids]) if ids else np.zeros(0, np.int64),
            "doc_tfs": np.concatenate([self._docs[i][1] for i in ids]) if ids else np.zeros(0, np.float32),
            "df": self._df[: len(self._vocab)], "m_data": m.data, "m_indices": m.indices, "m_indptr": m.indptr,
            "m_shape": np.array(m.shape, dtype=np.int64), "row_ids": self._row_ids, "alive": self._alive,
            "pending": np.array(self._pending, dtype=np.int64),
        }
        np.savez(directory / "lexical.npz", **arrays)
        meta = {"format": _FORMAT, "k1": self._k1, "b": self._b, "avgdl": self._avgdl, "dead": self._dead,
                "total_len": self._total_len, "vocab": list(self._vocab)}
        (directory / "lexical.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, tokenizer: Tokenizer) -> "LexicalIndex":
        meta = json.loads((directory / "lexical.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"lexical index format {meta.get('format')!r}, expected {_FORMAT}")
        with np.load(directory / "lexical.npz", allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        out = cls(tokenizer, meta["k1"], meta["b"])
        out._vocab = {t: i for i, t in enumerate(meta["vocab"])}
        out._df = a["df"].astype(np.int64)
        out._total_len, out._avgdl, out._dead = int(meta["total_len"]), float(meta["avgdl"]), int(meta["dead"])
        ptr = a["doc_ptr"]
        out._docs = {int(d): (a["doc_cols"][ptr[j] : ptr[j + 1]], a["doc_tfs"][ptr[j] : ptr[j + 1]])
                     for j, d in enumerate(a["doc_ids"].tolist())}
        shape = tuple(int(s) for s in a["m_shape"])
        out._matrix = sparse.csc_matrix((a["m_data"], a["m_indices"], a["m_indptr"]), shape=shape)
        out._row_ids, out._alive = a["row_ids"], a["alive"]
        out._pending = a["pending"].tolist()
        # masked rows of removed documents stay in the matrix; a later row of an id wins
        row_of = {int(d): r for r, d in enumerate(out._row_ids.tolist())}
        out._row_of = {d: r for d, r in row_of.items() if d in out._docs}
        if len(out._row_of) != len(out._docs):
            raise ValueError("lexical index rows and documents disagree")
        out._index_rows()
        return out

    # -- internals -----------------------------------------------------------------------------

    def _score_pending(self, qi: np.ndarray, cols: np.ndarray, weight: np.ndarray, out: np.ndarray) -> None:
        w = np.zeros(len(self._vocab), dtype=np.float32)
        for i in np.unique(qi).tolist():
            mine = qi == i
            w[cols[mine]] = weight[mine]
            for j, doc_id in enumerate(self._pending):
                dcols, tfs = self._docs[doc_id]
                out[i, j] = float(w[dcols] @ self._tf_part(tfs, tfs.sum()))
            w[cols[mine]] = 0.0

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
        self._index_rows()

    def _index_rows(self) -> None:
        # id -> row as an array: a pool looks up thousands of phrasings per query
        size = max(self._row_of, default=-1) + 1
        self._row_lookup = np.full(size, -1, dtype=np.int64)
        if self._row_of:
            self._row_lookup[np.fromiter(self._row_of, np.int64)] = np.fromiter(self._row_of.values(), np.int64)

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
        self._index_rows()
