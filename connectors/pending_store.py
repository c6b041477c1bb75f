"""Messages for a request/response customer that arrive between two of their requests.

The Rasa REST channel cannot push: an agent's reply waits here until the customer's next request
takes it. With several worker processes that request may land on any of them, so the messages
live in Redis (`channels.shared_store_url`, else `cluster.redis_url`); without a URL they live in
this process, which is correct only for a single worker. Either way a customer keeps at most
`limit` messages (the newest), and `take` hands each message to exactly one request.
"""
from __future__ import annotations

import json
import logging
import time
from abc import ABC, abstractmethod
from collections import deque

from bot.cluster.codec import decode, encode
from bot.messages import OutboundMessage

log = logging.getLogger(__name__)

__all__ = ["MemoryPendingStore", "PendingStore", "RedisPendingStore", "open_pending_store"]


class PendingStore(ABC):
    """Per-customer queues, oldest first; every method is atomic for all workers sharing it."""

    def __init__(self, limit: int, ttl: float) -> None:
        self.limit = limit  # newest messages kept per customer
        self.ttl = ttl  # seconds a customer's queue lives after its last message

    @abstractmethod
    async def append(self, message: OutboundMessage) -> None:
        """Queue `message` for `message.user_id`, dropping the oldest beyond `limit`."""

    @abstractmethod
    async def take(self, user_id: str) -> list[OutboundMessage]:
        """Remove and return everything queued for `user_id`, oldest first."""

    async def close(self) -> None:
        """Release connections."""


class MemoryPendingStore(PendingStore):
    """One process only: what a single `kefu run` worker (and the tests) need."""

    def __init__(self, limit: int, ttl: float, clock=time.monotonic) -> None:
        super().__init__(limit, ttl)
        self._clock = clock
        self._queues: dict[str, tuple[deque[OutboundMessage], float]] = {}

    async def append(self, message: OutboundMessage) -> None:
        queue = self._queues.pop(message.user_id, (deque(maxlen=self.limit), 0.0))[0]
        queue.append(message)
        self._queues[message.user_id] = (queue, self._clock() + self.ttl)
        self._drop_expired()

    async def take(self, user_id: str) -> list[OutboundMessage]:
        queue, expires = self._queues.pop(user_id, ((), 0.0))
        return list(queue) if expires > self._clock() else []

    def _drop_expired(self) -> None:
        # Insertion order is expiry order (append re-inserts), so stale queues sit at the front.
        now = self._clock()
        while self._queues and next(iter(self._queues.values()))[1] <= now:
            del self._queues[next(iter(self._queues))]


class RedisPendingStore(PendingStore):
    """A Redis list per customer, shared by every worker pointing at the same Redis."""

    def __init__(self, url: str, prefix: str, limit: int, ttl: float) -> None:
        super().__init__(limit, ttl)
        import redis.asyncio as redis  # only needed when configured

        self._redis = redis.from_url(url, decode_responses=True)
        self._prefix = prefix

    def _k(self, user_id: str) -> str:
        return self._prefix + user_id

    async def append(self, message: OutboundMessage) -> None:
        key, item = self._k(message.user_id), json.dumps(encode(message), ensure_ascii=False, default=str)
        async with self._redis.pipeline(transaction=True) as pipe:  # MULTI: no reader sees it half-trimmed
            await pipe.rpush(key, item).ltrim(key, -self.limit, -1).expire(key, max(1, int(self.ttl))).execute()

    async def take(self, user_id: str) -> list[OutboundMessage]:
        key = self._k(user_id)
        async with self._redis.pipeline(transaction=True) as pipe:  # MULTI: read and delete as one step
            items, _ = await pipe.lrange(key, 0, -1).delete(key).execute()
        messages = []
        for item in items:
            try:
                messages.append(decode(json.loads(item)))
            except (ValueError, KeyError, TypeError):  # one unreadable entry must not cost the others
                log.warning("dropped an unreadable pending message under %s", key)
        return messages

    async def close(self) -> None:
        await self._redis.aclose()


def open_pending_store(url: str, prefix: str, limit: int, ttl: float) -> PendingStore:
    """Redis when a URL is configured, else this process's memory (one worker only)."""
    if url:
        return RedisPendingStore(url, prefix, limit, ttl)
    return MemoryPendingStore(limit, ttl)
