"""Every phrasing of every indexed entry, in a dense and a lexical index under one int64 id.

`pool` gathers a query's candidate entries (the best few from each index) and scores *all*
phrasings of those entries with both measures, so fusion sees complete evidence per entry even
when only one index proposed it. Not thread-safe: the Retriever locks around it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Collection, Sequence

import numpy as np

from knowledge.faiss_index import FaissIndex, IndexKind
from knowledge.lexical_index import LexicalIndex, LexicalScores
from knowledge.tokenizer import Tokenizer

__all__ = ["PhrasingIndex", "Pool"]

_PHRASINGS_PER_ENTRY_HIT = 8  # dense hits fetched per wanted entry: entries have many phrasings


@dataclass(frozen=True)
class Pool:
    """Candidate entries of one query; phrasing arrays are grouped by entry, in entry order."""

    entry_ids: list[str]
    starts: np.ndarray  # first phrasing row of each entry
    phrasing_ids: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray

    def entry_max(self) -> tuple[np.ndarray, np.ndarray]:
        """Per entry, the best dense and the best lexical score over its phrasings."""
        if not self.entry_ids:
            return np.zeros(0), np.zeros(0)
        return np.maximum.reduceat(self.dense, self.starts), np.maximum.reduceat(self.lexical, self.starts)


class PhrasingIndex:
    def __init__(self, dim: int, kind: IndexKind, tokenizer: Tokenizer, hnsw_m: int = 32, ef_search: int = 96) -> None:
        self.dense = FaissIndex(dim, kind, hnsw_m=hnsw_m, ef_search=ef_search)
        self.lexical = LexicalIndex(tokenizer)
        self._entries: dict[str, tuple[int, ...]] = {}  # entry id -> phrasing ids
        self._phrasings: dict[int, tuple[str, str]] = {}  # phrasing id -> (entry id, text)
        self._next_id = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def phrasing_count(self) -> int:
        return len(self._phrasings)

    def entry_ids(self) -> list[str]:
        return list(self._entries)

    def phrasing_ids(self, entry_id: str) -> tuple[int, ...]:
        return self._entries.get(entry_id, ())

    def phrasing(self, pid: int) -> tuple[str, str]:
        return self._phrasings[pid]

    def texts_and_vectors(self, entry_id: str) -> dict[str, np.ndarray]:
        """The indexed phrasings of an entry with their vectors, to reuse on an edit."""
        pids = self._entries.get(entry_id, ())
        vectors = self.dense.vectors(np.array(pids, dtype=np.int64))
        return {self._phrasings[p][1]: v for p, v in zip(pids, vectors)}

    def put(self, entry_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Index `texts` (with their vectors) as the entry's phrasings, replacing earlier ones."""
        self.put_many([(entry_id, texts)], vectors)

    def put_many(self, items: Sequence[tuple[str, Sequence[str]]], vectors: np.ndarray) -> None:
        """Like `put` for many entries; `vectors` holds the rows of all texts in order."""
        total = sum(len(texts) for _, texts in items)
        if total != len(vectors):
            raise ValueError(f"{total} phrasings but {len(vectors)} vectors")
        if not all(isinstance(t, str) for _, texts in items for t in texts):
            raise TypeError("phrasings must all be str")
        ids = np.arange(self._next_id, self._next_id + total, dtype=np.int64)
        self.dense.add(ids, vectors)  # validates shape and values before anything else changes
        self._next_id += total
        for entry_id, _ in items:
            self.delete(entry_id)
        all_texts = [t for _, texts in items for t in texts]
        self.lexical.add(ids.tolist(), all_texts)
        pos = 0
        for entry_id, texts in items:
            own = ids[pos : pos + len(texts)].tolist()
            self._entries[entry_id] = tuple(own)
            for pid, text in zip(own, texts):
                self._phrasings[pid] = (entry_id, text)
            pos += len(texts)

    def delete(self, entry_id: str) -> bool:
        pids = self._entries.pop(entry_id, None)
        if pids is None:
            return False
        self.dense.remove(np.array(pids, dtype=np.int64))
        self.lexical.remove(pids)
        for pid in pids:
            del self._phrasings[pid]
        return True

    def pool(
        self,
        query: np.ndarray,
        dense_hits: np.ndarray,
        lex: LexicalScores,
        per_path: int,
        exclude: Collection[int] = (),
    ) -> Pool:
        """Candidates from `dense_hits` (phrasing ids, best first) and the lexical top, minus `exclude`."""
        wanted: dict[str, None] = {}  # ordered set: dense proposals first, then lexical ones
        for source in (dense_hits, lex.top(per_path * _PHRASINGS_PER_ENTRY_HIT + len(exclude))[0]):
            seen: set[str] = set()
            for pid in source.tolist():
                if pid < 0 or pid in exclude:
                    continue
                entry = self._phrasings[pid][0]
                seen.add(entry)
                wanted[entry] = None
                if len(seen) == per_path:
                    break
        entry_ids, pids, starts = [], [], []
        for entry in wanted:
            own = self._entries[entry]
            if exclude:
                own = [p for p in own if p not in exclude]
            if own:
                entry_ids.append(entry)
                starts.append(len(pids))
                pids.extend(own)
        ids = np.array(pids, dtype=np.int64)
        # einsum, not `@`: a multi-threaded BLAS matvec spin-waits on busy cores (2.6 ms vs 0.2 ms)
        dense = np.einsum("ij,j->i", self.dense.vectors(ids), query) if len(ids) else np.zeros(0, np.float32)
        return Pool(entry_ids, np.array(starts, dtype=np.int64), ids, dense, lex.of(ids))

    def dense_fetch(self, per_path: int) -> int:
        """How many phrasings to fetch from the dense index to find `per_path` distinct entries."""
        return per_path * _PHRASINGS_PER_ENTRY_HIT

    # -- persistence ----------------------------------------------------------------------------

    def save(self, directory: Path, extra: dict) -> None:
        self.dense.save(directory / "vectors.faiss")
        self.lexical.save(directory)
        meta = {
            **extra,
            "next_id": self._next_id,
            "entries": [[e, list(pids)] for e, pids in self._entries.items()],
            "texts": {str(pid): text for pid, (_, text) in self._phrasings.items()},
        }
        (directory / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, tokenizer: Tokenizer, hnsw_m: int = 32, ef_search: int = 96) -> tuple["PhrasingIndex", dict]:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        dense = FaissIndex.load(directory / "vectors.faiss", hnsw_m=hnsw_m, ef_search=ef_search)
        out = cls(dense.dim, dense.kind, tokenizer, hnsw_m=hnsw_m, ef_search=ef_search)
        out.dense = dense
        texts = meta["texts"]
        all_ids: list[int] = []
        for entry, pids in meta["entries"]:
            out._entries[entry] = tuple(pids)
            for pid in pids:
                out._phrasings[pid] = (entry, texts[str(pid)])
            all_ids.extend(pids)
        if len(all_ids) != len(dense):
            raise ValueError(f"cached index holds {len(dense)} vectors but lists {len(all_ids)} phrasings")
        if (directory / "lexical.json").is_file():  # saved terms: no tokenizing, no jieba at start
            out.lexical = LexicalIndex.load(directory, tokenizer)
            if len(out.lexical) != len(all_ids) or any(p not in out.lexical for p in all_ids):
                raise ValueError("cached lexical index holds other phrasings than the dense one")
        else:  # written before the lexical index was saved
            out.lexical.add(all_ids, [out._phrasings[p][1] for p in all_ids])
        out._next_id = int(meta["next_id"])
        return out, meta
