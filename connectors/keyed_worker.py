"""Runs jobs one after another per key (a chat, a kf account), different keys concurrently.

Telegram's updates of one chat must be answered in the order they came, and its messages sent
in order even when a send waits out a 429; a queue per key with one worker task each does both.
A key's worker ends when its queue is empty, so idle chats cost nothing.
"""
from __future__ import annotations

import asyncio
from collections import deque
from typing import Awaitable, Callable, TypeVar

__all__ = ["KeyedWorker"]

T = TypeVar("T")


class KeyedWorker:
    def __init__(self, name: str) -> None:
        self.name = name
        self._queues: dict[str, deque[tuple[Callable[[], Awaitable], asyncio.Future]]] = {}
        self._tasks: dict[str, asyncio.Task] = {}

    def submit(self, key: str, job: Callable[[], Awaitable[T]]) -> asyncio.Future[T]:
        """Queue `job` behind the key's earlier jobs; the future gets its result or exception.

        A caller that does not await the future must make `job` handle its own errors.
        """
        future: asyncio.Future = asyncio.get_running_loop().create_future()
        self._queues.setdefault(key, deque()).append((job, future))
        if key not in self._tasks:
            self._tasks[key] = asyncio.create_task(self._drain(key), name=f"{self.name}:{key}")
        return future

    async def _drain(self, key: str) -> None:
        queue = self._queues[key]
        try:
            while queue:
                job, future = queue.popleft()
                try:
                    result = await job()
                except asyncio.CancelledError:
                    future.cancel()
                    raise
                except Exception as exc:
                    if not future.cancelled():
                        future.set_exception(exc)
                else:
                    if not future.cancelled():
                        future.set_result(result)
        finally:
            # No await between the empty check and here: a new submit starts a new worker.
            self._tasks.pop(key, None)
            if not queue:
                self._queues.pop(key, None)

    async def join(self) -> None:
        """Wait until every queued job has run (used by tests and a graceful stop)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        """Cancel every queued and running job (used when the app stops)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for queue in self._queues.values():
            for _job, future in queue:
                future.cancel()
        self._queues.clear()
