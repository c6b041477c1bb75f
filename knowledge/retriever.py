"""FAQ search: dense + lexical retrieval and a learned intent head, calibrated, with an
answer/clarify/no_answer decision.

The head (intent_head.py) ranks the entries it was fitted on; entries published or edited since
are ranked by the dense + lexical fusion until a background refit (head_trainer.py) swaps in a
new head, so an edit is searchable at once.

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
from knowledge.head_fusion import HeadFusion
from knowledge.head_trainer import HeadTrainer, snapshot, stale_entries
from knowledge.index_cache import IndexCache
from knowledge.intent_head import HeadConfig, IntentHead
from knowledge.tuning import TUNED_FEW_SHOT_ALPHA, TUNED_KNN_WEIGHT, is_tuned_model
from knowledge.keyword_cover import KeywordCover
from knowledge.phrasing_index import PhrasingIndex
from knowledge.settings import KnowledgeSettings
from knowledge.tokenizer import Tokenizer, has_cjk, latin_share
from knowledge.types import FaqEntry, SearchResult

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
        self._keywords = KeywordCover(self._tokenizer)
        self._cache = IndexCache(Path(cache_dir)) if cache_dir is not None else None
        self._decider = Decider(settings)
        self._lock = threading.Lock()
        self._index = self._new_index("flat")
        self._fusion: Fusion = LinearFusion()
        self._head = HeadFusion(None, self._fusion)
        tuned = is_tuned_model(settings.model)
        config = HeadConfig(embeddings=settings.head_embeddings, min_calibration=settings.head_min_held_out,
                            knn_weight=TUNED_KNN_WEIGHT if tuned else 1.0,
                            alpha_few_shot=TUNED_FEW_SHOT_ALPHA if tuned else None)
        self._trainer = HeadTrainer(config, settings.intent_head)
        self._key_dir: Path | None = None  # cache directory of the built version's index
        self._content: str | None = None  # content of the built version; None once edited
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

    @property
    def head(self) -> IntentHead | None:
        return self._head.head

    @property
    def trainer(self) -> HeadTrainer:
        return self._trainer

    def wait_for_head(self, timeout: float | None = None) -> bool:
        """Block until no background fit of the head is running (False if `timeout` passed)."""
        return self._trainer.wait(timeout)

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
                self._install(index, LinearFusion.from_dict(meta["fusion"]), version, content,
                              self._cache.key_dir(version, model, kind))
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
        key_dir = None
        if self._cache is not None:
            key_dir = self._cache.save(index, version, model, kind, {"content": content, "fusion": fusion.to_dict()})
        self._install(index, fusion, version, content, key_dir)
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
            self._edited(entry.id)
        self._trainer.schedule(self._refit)

    def remove(self, entry_id: str) -> None:
        """Remove an entry; unknown ids are ignored (deleting an unpublished entry is normal)."""
        with self._lock:
            if not self._index.delete(entry_id):
                return
            self._edited(entry_id)
        self._trainer.schedule(self._refit)

    # -- reading ---------------------------------------------------------------------------------

    def search(self, text: str, k: int = 5) -> SearchResult:
        return self.search_batch([text], k)[0]

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """The query vectors `search_batch` would compute (so a caller can encode elsewhere)."""
        return self._query_vectors([t.strip() for t in texts if t.strip()])

    def search_batch(self, texts: Sequence[str], k: int = 5, vectors: np.ndarray | None = None) -> list[SearchResult]:
        """Search many queries with one encoder call (none when `vectors` from `encode_queries`)."""
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
        queries = self._query_vectors(stripped) if vectors is None else np.array(vectors, dtype=np.float32)
        if len(queries) != len(stripped):
            raise ValueError(f"{len(queries)} vectors for {len(stripped)} non-blank queries")
        blind = ~queries.any(axis=1)  # rows left unencoded (see _reads_vector)
        late = [row for row in np.flatnonzero(blind).tolist() if self._reads_vector(stripped[row])]
        if late:  # an edit since they were encoded: the fusion ranks some entries now, and reads vectors
            queries[late] = self._encode([stripped[row] for row in late], False)
            blind[late] = False
        per_path = self._settings.candidates
        keep = max(k, self._settings.max_clarify_options)
        with self._lock:
            index, head = self._index, self._head
            if not len(index):
                return results
            # one faiss search, one sparse product and one head product for the whole batch
            sims, hits = index.dense.search(queries, index.dense_fetch(per_path))
            sims[blind], hits[blind] = -np.finfo(np.float32).max, -1  # no dense proposals without a vector
            lexical = index.lexical.scores_batch(stripped)
            pools = [index.pool(queries[row], hits[row], lexical[row], per_path) for row in range(len(live))]
            ranked = head.rank_batch(stripped, queries, sims, pools, index, keep)
            for row, i in enumerate(live):
                results[i] = self._decider.decide(ranked[row], k, self._vouched(stripped[row], ranked[row], index))
        return results

    # -- internals -------------------------------------------------------------------------------

    def _vouched(self, text: str, ranked: Sequence, index: PhrasingIndex) -> frozenset[str]:
        """For a question too unsure to clarify: which of its best candidates hold all its content words."""
        if not ranked or ranked[0].confidence >= self._settings.clarify_threshold:
            return frozenset()
        return self._vouched_among(text, [c.entry_id for c in ranked], index)

    def vouched(self, text: str, entry_ids: Sequence[str]) -> frozenset[str]:
        """Which of the first `entry_ids` (as many as a clarify offers) keyword_cover.py vouches for as
        answers to `text`; none when the setting is off or the KB is big (below)."""
        with self._lock:
            return self._vouched_among(text.strip(), entry_ids, self._index)

    def _vouched_among(self, text: str, entry_ids: Sequence[str], index: PhrasingIndex) -> frozenset[str]:
        # Not when the head judges scope by its table of held-out phrasings (a KB of 500+): with tens
        # of phrasings per entry, one of them holds the few words of many an out-of-scope question
        # too (CLINC150 dev at 95 % out-of-scope recall: 94.2 % of in-scope questions answered right
        # with the vouch, 94.8 % without; research section 10). Small KBs, whose scope model rejects
        # short questions, keep it.
        if not self._settings.keyword_clarify or self._head.judges_by_table:
            return frozenset()
        return frozenset(e for e in entry_ids[: self._settings.max_clarify_options] if self._covers(text, e, index))

    def _covers(self, text: str, entry_id: str, index: PhrasingIndex) -> bool:
        return self._keywords.covers(text, [index.phrasing(pid)[1] for pid in index.phrasing_ids(entry_id)])

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

    def _install(self, index: PhrasingIndex, fusion: Fusion, version: str, content: str, key_dir: Path | None) -> None:
        """Swap in a built index with the best head at hand: the cached one of this content, a
        fresh fit when there is nothing to serve yet, else the previous head until a refit."""
        head = self._trainer.load(key_dir, content) if key_dir is not None else None
        refit = False
        if head is None and self._trainer.enabled:
            head = self._head.head
            if head is None:
                head = self._trainer.fit(snapshot(index))
                if head is not None and key_dir is not None:
                    self._trainer.save(head, key_dir, content)
            else:
                refit = True
        with self._lock:
            self._index, self._fusion, self.version = index, fusion, version
            self._key_dir, self._content = key_dir, content
            self._head = HeadFusion(head, fusion, stale_entries(head, index))
        if refit:
            self._trainer.schedule(self._refit)

    def _edited(self, entry_id: str) -> None:
        """After an upsert/remove (lock held): the head no longer answers for the entry."""
        self._content = None  # the cached head of the version no longer matches
        self._head = self._head.with_stale(entry_id)

    def _refit(self) -> None:
        """Background job: fit a head on the index as it is now and swap it in."""
        with self._lock:
            index, content, key_dir = self._index, self._content, self._key_dir
            data = snapshot(index)
        head = self._trainer.fit(data)
        with self._lock:
            # entries edited while fitting come out stale: the linear fusion keeps them
            self._head = HeadFusion(head, self._fusion, stale_entries(head, self._index))
            unchanged = self._index is index and self._content == content and content is not None
        if head is not None and unchanged and key_dir is not None:
            self._trainer.save(head, key_dir, content)

    def _query_vectors(self, texts: Sequence[str]) -> np.ndarray:
        """Query embeddings; a row the ranking would not read stays zero, and costs no encoder call."""
        out = np.zeros((len(texts), self._embedder.dim), dtype=np.float32)
        need = [i for i, t in enumerate(texts) if self._reads_vector(t)]
        if need:
            out[need] = self._encode([texts[i] for i in need], False)
        return out

    def _reads_vector(self, text: str) -> bool:
        """Whether ranking `text` would use its embedding. Not when the head ranks every entry
        (none edited since its fit) without embedding features and the text has no letters the
        model reads (the cosine term's weight, latin_share, is 0): a Chinese question on a Chinese
        KB, which the English-only default model would read as [UNK] tokens anyway. That skips
        the encoder, the largest cost of a search, for most questions to a Chinese KB."""
        head = self._head  # one read: a decision gone stale is caught again in search_batch
        return head.head is None or head.head.uses_embeddings or bool(head.stale) or latin_share(text) > 0

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
