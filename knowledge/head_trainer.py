"""Fitting the intent head for a retriever's index: from the cache, at build, or in the background.

Publishing must stay fast, so only a first build (nothing to serve yet) waits for a fit. Later
builds and single-entry edits keep serving with the head they have (entries it was not fitted on
are `stale`: the linear fusion answers for them) while one background thread fits a new head;
edits made during a fit trigger one more fit afterwards. Heads are saved beside the cached index
of their KB version, keyed by the index content, so a restart fits nothing.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np

from knowledge.intent_head import HeadConfig, IntentHead, phrasings_digest
from knowledge.phrasing_index import PhrasingIndex

__all__ = ["HeadTrainer", "HeadData", "stale_entries"]

log = logging.getLogger(__name__)

HeadData = tuple[list[str], list[str], np.ndarray]  # phrasings, their entry ids, their vectors


def snapshot(index: PhrasingIndex) -> HeadData:
    """Everything a fit needs, copied out of the index (the caller holds the index lock)."""
    texts, labels, pids = [], [], []
    for entry in index.entry_ids():
        for pid in index.phrasing_ids(entry):
            texts.append(index.phrasing(pid)[1])
            labels.append(entry)
            pids.append(pid)
    return texts, labels, index.dense.vectors(np.array(pids, dtype=np.int64))


def stale_entries(head: IntentHead | None, index: PhrasingIndex) -> frozenset[str]:
    """Indexed entries whose phrasings differ from those the head was fitted on (or are new)."""
    if head is None:
        return frozenset()
    out = set()
    for entry in index.entry_ids():
        texts = [index.phrasing(p)[1] for p in index.phrasing_ids(entry)]
        if head.digests.get(entry) != phrasings_digest(texts):
            out.add(entry)
    return frozenset(out)


class HeadTrainer:
    """Fits, caches and schedules heads; the retriever owns the index and its lock."""

    def __init__(self, config: HeadConfig, enabled: bool = True) -> None:
        self.config = config
        self.enabled = enabled
        self.fits = 0  # heads fitted by this trainer (tests check that a cached one is reused)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    def fit(self, data: HeadData) -> IntentHead | None:
        """A head for `data`, or None when disabled or the KB has fewer than two entries."""
        texts, labels, vectors = data
        if not self.enabled or len(set(labels)) < 2:
            return None
        started = time.perf_counter()
        head = IntentHead.fit(texts, labels, vectors, self.config)
        self.fits += 1
        if len(head.oof_comb) < self.config.min_calibration and head.scope is None:
            log.info("intent head not used: %d held-out phrasings to calibrate it, fewer than %d, and too few "
                     "for an out-of-scope model", len(head.oof_comb), self.config.min_calibration)
            return None
        log.info("fitted intent head on %d phrasings of %d entries in %.1f s (T=%.3f, embeddings %s, %s)",
                 len(texts), len(head.entry_ids), time.perf_counter() - started, head.temperature,
                 "on" if head.uses_embeddings else "off",
                 "in-scope table" if head.scope is None else f"out-of-scope model of {len(head.scope.scores)}")
        return head

    # -- cache -------------------------------------------------------------------------------------

    def _key(self, content: str) -> dict:
        return {"content": content, "config": asdict(self.config)}

    def load(self, directory: Path, content: str) -> IntentHead | None:
        if not self.enabled or IntentHead.saved_extra(directory / "head") != self._key(content):
            return None
        try:
            return IntentHead.load(directory / "head")
        except (OSError, ValueError, KeyError) as exc:  # corrupt: fit again
            log.warning("ignoring unreadable cached head in %s: %s", directory, exc)
            return None

    def save(self, head: IntentHead, directory: Path, content: str) -> None:
        try:
            head.save(directory / "head", self._key(content))
        except OSError as exc:  # a cache that cannot be written costs a refit, nothing more
            log.warning("cannot cache the intent head in %s: %s", directory, exc)

    # -- background --------------------------------------------------------------------------------

    def schedule(self, job: Callable[[], None]) -> None:
        """Run `job` in the background thread; if one is running, run it once more afterwards."""
        if not self.enabled:
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                self._again = True
                return
            self._thread = threading.Thread(target=self._run, args=(job,), name="kefu-head", daemon=True)
            self._thread.start()

    def _run(self, job: Callable[[], None]) -> None:
        while True:
            try:
                job()
            except Exception:  # the old head keeps serving; the next edit tries again
                log.exception("background fit of the intent head failed")
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no fit is running or scheduled; False if `timeout` passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return True
            thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                return False
