"""Batches concurrent searches into one encoder call.

Encoding one sentence at a time wastes most of the CPU; under load, queries that arrive while a
batch is being encoded wait and go together into the next one. An idle server adds no delay:
a lone query is searched at once.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Sequence

from knowledge.types import SearchResult

SearchMany = Callable[[Sequence[str]], list[SearchResult]]


class SearchBatcher:
    def __init__(self, search_many: SearchMany, max_batch: int = 64) -> None:
        self._search_many = search_many
        self._max_batch = max_batch
        self._pending: list[tuple[str, asyncio.Future[SearchResult]]] = []
        self._running = False
        # One thread: the encoder already uses every core, and the index has one writer.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-search")

    async def search(self, text: str) -> SearchResult:
        future: asyncio.Future[SearchResult] = asyncio.get_running_loop().create_future()
        self._pending.append((text, future))
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def run(self, fn, *args):
        """Run other index work (rebuilds, upserts) on the same thread, in order with searches."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                texts = [text for text, _ in batch]
                try:
                    results = await loop.run_in_executor(self._executor, self._search_many, texts)
                except Exception as exc:  # surfaces in every waiting request, not a dead task
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results):
                    if not future.done():
                        future.set_result(result)
        finally:
            self._running = False

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
