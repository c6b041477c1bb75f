"""Inner-product vector index over int64 ids: exact (flat) or approximate (HNSW), via faiss.

Ids are mapped with `IndexIDMap2`, so one phrasing can be added, fetched or removed without a
rebuild. HNSW graphs cannot delete nodes: removed ids are excluded from searches with an id
selector and the graph is rebuilt from the live vectors once they pass a quarter of it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal

import threading

import faiss
import numpy as np

__all__ = ["FaissIndex", "IndexKind"]

IndexKind = Literal["flat", "hnsw"]


_thread_state = threading.local()

class FaissIndex:
    """Vectors must be L2-normalised float32 so that inner product is cosine. The caller locks."""

    def __init__(self, dim: int, kind: IndexKind = "flat", hnsw_m: int = 32, ef_search: int = 96) -> None:
        if dim < 1:
            raise ValueError(f"dim must be >= 1, got {dim}")
        if kind not in ("flat", "hnsw"):
            raise ValueError(f"index kind must be 'flat' or 'hnsw', got {kind!r}")
        self.dim, self.kind = dim, kind
        self._hnsw_m, self._ef_search = hnsw_m, ef_search
        self._index = self._empty()
        self._removed: set[int] = set()  # HNSW only: ids still in the graph but deleted
        # Our own copy of the vectors: faiss's reconstruct through an id map costs ~3 us per
        # vector, too slow to score every phrasing of the candidate entries of each query.
        self._store = np.zeros((0, dim), dtype=np.float32)
        self._rows: dict[int, int] = {}
        self._lookup = np.zeros(0, dtype=np.int64)  # id -> row (-1: none), for `vectors` in bulk
        self._used = 0

    def _empty(self) -> faiss.IndexIDMap2:
        if self.kind == "flat":
            inner = faiss.IndexFlatIP(self.dim)
        else:
            inner = faiss.IndexHNSWFlat(self.dim, self._hnsw_m, faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = max(40, 2 * self._hnsw_m)
        return faiss.IndexIDMap2(inner)

    def __len__(self) -> int:
        return self._index.ntotal - len(self._removed)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape != (len(ids), self.dim):
            raise ValueError(f"expected vectors of shape ({len(ids)}, {self.dim}), got {vectors.shape}")
        if not np.isfinite(vectors).all():
            raise ValueError("vectors contain NaN or infinity")
        if len(set(ids.tolist())) != len(ids) or any(int(i) in self._rows for i in ids):
            raise ValueError("ids must be new and distinct")
        if len(ids) and int(ids.min()) < 0:
            raise ValueError("ids must be >= 0 (faiss reports a missing hit as -1)")
        if len(ids):
            self._index.add_with_ids(vectors, ids)
            self._keep(ids, vectors)

    def _keep(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        need = self._used + len(ids)
        if need > len(self._store):
            if len(self._rows) * 2 < self._used:  # mostly deleted rows: compact instead of growing
                live = np.fromiter(self._rows, dtype=np.int64, count=len(self._rows))
                kept = self._store[[self._rows[int(i)] for i in live]]
                self._store = np.zeros((max(need, 16), self.dim), dtype=np.float32)
                self._store[: len(live)] = kept
                self._rows = {int(i): r for r, i in enumerate(live)}
                self._lookup[:] = -1
                self._lookup[live] = np.arange(len(live))
                self._used = len(live)
                need = self._used + len(ids)
            if need > len(self._store):
                grown = np.zeros((max(need, 2 * len(self._store)), self.dim), dtype=np.float32)
                grown[: self._used] = self._store[: self._used]
                self._store = grown
        self._store[self._used : self._used + len(ids)] = vectors
        for r, i in enumerate(ids.tolist(), start=self._used):
            self._rows[i] = r
        if len(ids) and int(ids.max()) >= len(self._lookup):
            grown = np.full(max(int(ids.max()) + 1, 2 * len(self._lookup)), -1, dtype=np.int64)
            grown[: len(self._lookup)] = self._lookup
            self._lookup = grown
        self._lookup[ids] = np.arange(self._used, self._used + len(ids))
        self._used += len(ids)

    def remove(self, ids: np.ndarray) -> None:
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return
        for i in ids.tolist():
            if self._rows.pop(i, None) is not None:
                self._lookup[i] = -1
        if self.kind == "flat":
            self._index.remove_ids(faiss.IDSelectorBatch(ids))
            return
        self._removed.update(int(i) for i in ids)
        if len(self._removed) * 4 > self._index.ntotal:
            self._rebuild()

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(queries), k), best first; missing hits have id -1."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        k = max(1, min(k, len(self)))
        if len(self) == 0:
            return np.zeros((len(queries), k), np.float32), np.full((len(queries), k), -1, np.int64)
        # The OpenMP thread count is per calling thread: the server searches from its own worker
        # thread, where faiss would otherwise start a team that only spin-waits for tiny batches.
        if getattr(_thread_state, "omp", None) is None:
            faiss.omp_set_num_threads(1)
            _thread_state.omp = 1
        params = None
        if self.kind == "hnsw":
            sel = faiss.IDSelectorNot(faiss.IDSelectorBatch(np.fromiter(self._removed, np.int64))) if self._removed else None
            params = faiss.SearchParametersHNSW(efSearch=max(self._ef_search, k), sel=sel)
        return self._index.search(queries, k, params=params)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of `ids` (which must be present), one row each."""
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dim), dtype=np.float32)
        rows = self._lookup[ids] if ids.min() >= 0 and ids.max() < len(self._lookup) else None
        if rows is None or (rows < 0).any():
            raise KeyError(f"unknown ids among {ids[:10].tolist()}")
        return self._store[rows]

    def save(self, path: Path) -> None:
        if self._removed:
            self._rebuild()  # never persist deleted vectors
        faiss.write_index(self._index, str(path))

    @classmethod
    def load(cls, path: Path, hnsw_m: int = 32, ef_search: int = 96) -> "FaissIndex":
        index = faiss.read_index(str(path))
        if not isinstance(index, faiss.IndexIDMap2):
            index = faiss.downcast_index(index)
        inner = faiss.downcast_index(index.index)
        kind: IndexKind = "hnsw" if isinstance(inner, faiss.IndexHNSW) else "flat"
        out = cls(index.d, kind, hnsw_m=hnsw_m, ef_search=ef_search)
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        out._keep(ids, index.reconstruct_batch(ids) if len(ids) else np.zeros((0, index.d), np.float32))
        out._index = index
        return out

    def _rebuild(self) -> None:
        live = np.fromiter(self._rows, dtype=np.int64, count=len(self._rows))
        vectors = self.vectors(live)
        self._index = self._empty()
        self._removed.clear()
        self._store, self._rows, self._used = np.zeros((0, self.dim), np.float32), {}, 0
        self._lookup = np.zeros(0, dtype=np.int64)
        self.add(live, vectors)
