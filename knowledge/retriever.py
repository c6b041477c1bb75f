"""FAQ search: dense + lexical retrieval, fused and calibrated, with an answer/clarify/no_answer decision.

Thread safety: one writer and any number of readers. Encoding (the slow part) happens outside
the lock; index reads and writes happen under it, and `build` swaps in a finished index at once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Sequence

import faiss
import numpy as np

from knowledge.calibration import calibrate
from knowledge.decision import Decider
from knowledge.embedder import Embedder
from knowledge.fusion import Fusion, LinearFusion
from knowledge.index_cache import IndexCache
from knowledge.phrasing_index import PhrasingIndex, Pool
from knowledge.settings import KnowledgeSettings
from knowledge.tokenizer import Tokenizer, cjk_share, has_cjk
from knowledge.types import Candidate, FaqEntry, SearchResult

__all__ = ["Retriever"]

log = logging.getLogger(__name__)


class Retriever:
    def __init__(self, settings: KnowledgeSettings, embedder: Embedder, cache_dir: Path | None = None) -> None:
        for attr in ("name", "dim", "encode"):
            if not hasattr(embedder, attr):
                raise TypeError(f"embedder {type(embedder).__name__} lacks {attr!r}: it is not an Embedder")
        self._settings = settings
        self._embedder = embedder
        # Searches are one query or a small batch: faiss's OpenMP threads only spin-wait for each
        # other there (measured 16 ms instead of 0.6 ms per query on 2 busy cores).
        faiss.omp_set_num_threads(1)
        self._tokenizer = Tokenizer()
        self._cache = IndexCache(Path(cache_dir)) if cache_dir is not None else None
        self._decider = Decider(settings)
        self._lock = threading.Lock()
        self._index = self._new_index("flat")
        self._fusion: Fusion = LinearFusion()
        self.version: str | None = None

    def __len__(self) -> int:
        with self._lock:
            return len(self._index)

    @property
    def index_kind(self) -> str:
        return self._index.dense.kind

    @property
    def fusion(self) -> Fusion:
        return self._fusion

    # -- writing ---------------------------------------------------------------------------------

    def build(self, entries: Sequence[FaqEntry], version: str, progress: bool = False) -> None:
        """Index the published entries; load the cached index instead when one matches."""
        if not isinstance(version, str) or not version:
            raise ValueError("version must be a non-empty string")
        items = [(e.id, _phrasings(e)) for e in _published(entries)]
        content = hashlib.sha256(json.dumps(items, ensure_ascii=False).encode()).hexdigest()
        n_texts = sum(len(texts) for _, texts in items)
        kind = self._settings.index
        if kind == "auto":
            kind = "hnsw" if n_texts > self._settings.approximate_above else "flat"
        model = self._embedder.name
        if self._cache is not None:
            hit = self._cache.load(version, model, kind, self._tokenizer, **self._index_args())
            if hit is not None and hit[1].get("content") == content:
                index, meta = hit
                self._swap(index, LinearFusion.from_dict(meta["fusion"]), version)
                log.info("loaded cached index for KB version %s (%d entries)", version, len(index))
                self._preload_dictionary(items)
                return
            if hit is not None:
                log.warning("cached index of KB version %s has other content: rebuilding", version)
        reuse = self._cache.reusable_vectors(model, self._embedder.dim) if self._cache is not None else {}
        unique = list(dict.fromkeys(t for _, texts in items for t in texts if t not in reuse))
        fresh = dict(zip(unique, self._encode(unique, progress)))
        vectors = np.array([fresh.get(t, reuse.get(t)) for _, texts in items for t in texts], dtype=np.float32)
        index = self._new_index(kind)
        index.put_many(items, vectors.reshape(n_texts, self._embedder.dim))
        fusion = calibrate(
            index, LinearFusion(), self._settings.candidates, self._settings.calibration_queries
        )
        if self._cache is not None:
            self._cache.save(index, version, model, kind, {"content": content, "fusion": fusion.to_dict()})
        self._swap(index, fusion, version)
        log.info("built index for KB version %s: %d entries, %d phrasings (%d embedded)",
                 version, len(items), n_texts, len(unique))

    def upsert(self, entry: FaqEntry) -> None:
        """Add or replace one entry; a draft is removed. Only new phrasings are embedded."""
        if not isinstance(entry, FaqEntry):
            raise TypeError(f"expected a FaqEntry, got {type(entry).__name__}")
        if entry.status != "published":
            self.remove(entry.id)
            return
        texts = _phrasings(entry)
        with self._lock:
            known = self._index.texts_and_vectors(entry.id)
        new = [t for t in texts if t not in known]
        known.update(zip(new, self._encode(new, False)))
        vectors = np.array([known[t] for t in texts], dtype=np.float32)
        with self._lock:
            self._index.put(entry.id, texts, vectors)

    def remove(self, entry_id: str) -> None:
        """Remove an entry; unknown ids are ignored (deleting an unpublished entry is normal)."""
        with self._lock:
            self._index.delete(entry_id)

    # -- reading ---------------------------------------------------------------------------------

    def search(self, text: str, k: int = 5) -> SearchResult:
        return self.search_batch([text], k)[0]

    def search_batch(self, texts: Sequence[str], k: int = 5) -> list[SearchResult]:
        """Search many queries with one encoder call."""
        if isinstance(texts, str):
            raise TypeError("search_batch takes a sequence of strings, not one string")
        if not isinstance(k, int) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        for t in texts:
            if not isinstance(t, str):
                raise TypeError(f"queries must be str, got {type(t).__name__}")
        results = [SearchResult("no_answer", ()) for _ in texts]
        live = [i for i, t in enumerate(texts) if t.strip()]
        if not live:
            return results
        stripped = [texts[i].strip() for i in live]
        queries = self._encode(stripped, False)
        per_path = self._settings.candidates
        with self._lock:
            index, fusion = self._index, self._fusion
            if not len(index):
                return results
            # one faiss search and one sparse product for the whole batch; the rest is per query
            _, hits = index.dense.search(queries, index.dense_fetch(per_path))
            lexical = index.lexical.scores_batch(stripped)
            for row, (i, text) in enumerate(zip(live, stripped)):
                pool = index.pool(queries[row], hits[row], lexical[row], per_path)
                ranked = _rank(pool, fusion, cjk_share(text), index, max(k, self._settings.max_clarify_options))
                results[i] = self._decider.decide(ranked, k)
        return results

    # -- internals -------------------------------------------------------------------------------

    def _index_args(self) -> dict:
        return {"hnsw_m": self._settings.hnsw_m, "ef_search": self._settings.hnsw_ef_search}

    def _new_index(self, kind: str) -> PhrasingIndex:
        return PhrasingIndex(self._embedder.dim, kind, self._tokenizer, **self._index_args())

    def _preload_dictionary(self, items: Sequence[tuple[str, list[str]]]) -> None:
        """A cached index needs no tokenizing, so jieba would load on the first Chinese query
        (~0.6 s); load it in the background instead when the KB holds Chinese."""
        if self._tokenizer.dictionary_loaded or not any(has_cjk(t) for _, texts in items for t in texts):
            return
        threading.Thread(target=self._tokenizer.load_dictionary, name="kefu-jieba", daemon=True).start()

    def _swap(self, index: PhrasingIndex, fusion: Fusion, version: str) -> None:
        with self._lock:
            self._index, self._fusion, self.version = index, fusion, version

    def _encode(self, texts: Sequence[str], progress: bool) -> np.ndarray:
        dim = self._embedder.dim
        if not texts:
            return np.zeros((0, dim), dtype=np.float32)
        vectors = np.asarray(self._embedder.encode(list(texts), progress=progress), dtype=np.float32)
        if vectors.shape != (len(texts), dim) or not np.isfinite(vectors).all():
            raise ValueError(
                f"embedder {self._embedder.name} returned {vectors.shape} (finite: {np.isfinite(vectors).all()}), "
                f"expected ({len(texts)}, {dim})"
            )
        return vectors


def _rank(pool: Pool, fusion: Fusion, cjk: float, index: PhrasingIndex, keep: int) -> list[Candidate]:
    if not pool.entry_ids:
        return []
    dense, lexical = pool.entry_max()
    scores = fusion.rank_scores(dense, lexical, cjk)
    order = np.argsort(-scores, kind="stable")[:keep]
    conf = fusion.confidences(scores[order], fusion.null_score(cjk))
    # the matched phrasing is the one whose own fused score is best within its entry
    per_phrasing = fusion.rank_scores(pool.dense, pool.lexical, cjk)
    ends = np.append(pool.starts[1:], len(pool.phrasing_ids))
    out = []
    for c, e in zip(conf, order):
        best = pool.starts[e] + int(np.argmax(per_phrasing[pool.starts[e] : ends[e]]))
        out.append(Candidate(pool.entry_ids[e], float(c), index.phrasing(int(pool.phrasing_ids[best]))[1],
                             float(dense[e]), float(lexical[e])))
    out.sort(key=lambda c: -c.confidence)  # stable: ties keep the ranking order
    return out


def _published(entries: Sequence[FaqEntry]) -> list[FaqEntry]:
    seen: set[str] = set()
    out = []
    for e in entries:
        if not isinstance(e, FaqEntry):
            raise TypeError(f"expected FaqEntry items, got {type(e).__name__}")
        if e.id in seen:
            raise ValueError(f"duplicate FAQ entry id {e.id!r}")
        seen.add(e.id)
        if e.status == "published":  # drafts are never searchable
            out.append(e)
    return out


def _phrasings(entry: FaqEntry) -> list[str]:
    """The entry's distinct non-blank phrasings, stripped, question first."""
    if not isinstance(entry.id, str) or not entry.id:
        raise ValueError(f"FAQ entry id must be a non-empty string, got {entry.id!r}")
    texts = []
    for t in entry.phrasings:
        if not isinstance(t, str):
            raise TypeError(f"entry {entry.id!r}: phrasings must be str, got {type(t).__name__}")
        if t.strip():
            texts.append(t.strip())
    if not texts:
        raise ValueError(f"entry {entry.id!r} has no non-blank question or variant to index")
    return list(dict.fromkeys(texts))
