"""Batches concurrent searches, and overlaps encoding one batch with ranking the one before.

Encoding one sentence at a time wastes most of the CPU; under load, queries that arrive while a
batch is being worked on wait and go together into the next one. An idle server adds no delay:
a lone query is searched at once.

Given an `encode_many`, a search runs in two stages on two threads: encoding (onnxruntime, which
releases the GIL) and ranking (index lookups and fusion, mostly Python). While batch N is ranked,
batch N+1 is already being encoded, so the two kinds of work share the cores instead of taking
turns. Ranking stays on one thread, in arrival order, with the other index work (`run`), and
takes everything encoded meanwhile in one call.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

import numpy as np

from knowledge.types import SearchResult

__all__ = ["SearchBatcher"]

SearchMany = Callable[..., list[SearchResult]]  # (texts) or (texts, vectors=...)
EncodeMany = Callable[[Sequence[str]], np.ndarray]
_Batch = list[tuple[str, asyncio.Future]]


class SearchBatcher:
    def __init__(self, search_many: SearchMany, encode_many: EncodeMany | None = None, max_batch: int = 64) -> None:
        self._search_many = search_many
        self._encode_many = encode_many
        self._max_batch = max_batch
        self._pending: _Batch = []
        self._encoded: list[tuple[_Batch, np.ndarray]] = []
        self._encoding = self._ranking = False
        # One ranking thread: the index has one writer and rebuilds run here in order with searches.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-search")
        self._encoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-query-encode") if encode_many else None

    async def search(self, text: str) -> SearchResult:
        future: asyncio.Future[SearchResult] = asyncio.get_running_loop().create_future()
        self._pending.append((text, future))
        if not self._encoding:
            self._encoding = True
            asyncio.get_running_loop().create_task(self._encode_stage() if self._encoder else self._one_stage())
        return await future

    async def run(self, fn, *args):
        """Run other index work (rebuilds, upserts) on the ranking thread, in order with searches."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def _take(self, queue: list, limit: int) -> list:
        taken, queue[:] = queue[:limit], queue[limit:]
        return taken

    async def _one_stage(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch = self._take(self._pending, self._max_batch)
                work = loop.run_in_executor(self._executor, self._search_many, [text for text, _ in batch])
                await asyncio.wait([work])
                _resolve(batch, work)
        finally:
            self._encoding = False

    async def _encode_stage(self) -> None:
        """Encode whatever waits, hand it to ranking, and go on with what arrived meanwhile."""
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch = self._take(self._pending, self._max_batch)
                try:
                    vectors = await loop.run_in_executor(self._encoder, self._encode_many, [t for t, _ in batch])
                except Exception as exc:
                    _fail(batch, exc)
                    continue
                self._encoded.append((batch, vectors))
                if not self._ranking:
                    self._ranking = True
                    loop.create_task(self._rank_stage())
        finally:
            self._encoding = False

    async def _rank_stage(self) -> None:
        """Rank everything encoded so far in one call (ranking costs less per query in batches)."""
        loop = asyncio.get_running_loop()
        try:
            while self._encoded:
                ready = self._take(self._encoded, len(self._encoded))
                batch = [item for part, _ in ready for item in part]
                vectors = np.vstack([v for _, v in ready])
                work = loop.run_in_executor(self._executor, _rank, self._search_many, [t for t, _ in batch], vectors)
                await asyncio.wait([work])
                _resolve(batch, work)
        finally:
            self._ranking = False

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        if self._encoder is not None:
            self._encoder.shutdown(wait=False, cancel_futures=True)


def _rank(search_many: SearchMany, texts: list[str], vectors: np.ndarray) -> list[SearchResult]:
    return search_many(texts, vectors=vectors)


def _resolve(batch: _Batch, done: asyncio.Future) -> None:
    if done.cancelled():
        return
    if done.exception() is not None:  # surfaces in every waiting request, not in a dead task
        _fail(batch, done.exception())
        return
    for (_, future), result in zip(batch, done.result()):
        if not future.done():
            future.set_result(result)


def _fail(batch: _Batch, exc: BaseException) -> None:
    for _, future in batch:
        if not future.done():
            future.set_exception(exc)

