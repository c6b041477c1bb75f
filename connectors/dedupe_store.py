"""Small shared state of the chat channels: dedupe keys, access tokens, sync cursors, button keys.

WeChat retries a message while the first try is still being answered, and every worker process
may receive a retry, so the "seen" mark must live where all workers see it: Redis
(`channels.shared_store_url = redis://...`, `SET NX EX` makes a claim atomic). Without a URL the
store lives in this process, which is correct only for a single worker; the database's own dedupe
(per stored message) still protects the transcript in that case.
"""
from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod

log = logging.getLogger(__name__)

__all__ = ["DedupeStore", "MemoryDedupeStore", "RedisDedupeStore", "open_dedupe_store"]

_SWEEP_EVERY = 1000  # writes between sweeps of expired keys in the memory store

# Deletes KEYS[1] only while it still holds ARGV[1] (releasing our own lock, or a stale token).
_DELETE_IF_LUA = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class DedupeStore(ABC):
    """String keys with optional expiry; every method is atomic for all workers sharing it."""

    @abstractmethod
    async def claim(self, key: str, value: str = "1", ttl: float = 3600) -> bool:
        """Set `key` only if absent; True when this caller got it."""

    @abstractmethod
    async def get(self, key: str) -> str | None: ...

    @abstractmethod
    async def set(self, key: str, value: str, ttl: float | None = None) -> None: ...

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def delete_if(self, key: str, value: str) -> bool:
        """Delete `key` only while it still holds `value`."""

    async def close(self) -> None:
        """Release connections."""


class MemoryDedupeStore(DedupeStore):
    """One process only: what a single `kefu run` worker (and the tests) need."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._data: dict[str, tuple[str, float | None]] = {}
        self._writes = 0

    def _live(self, key: str) -> str | None:
        item = self._data.get(key)
        if item is None:
            return None
        value, expires = item
        if expires is not None and expires <= self._clock():
            del self._data[key]
            return None
        return value

    def _write(self, key: str, value: str, ttl: float | None) -> None:
        self._data[key] = (value, None if ttl is None else self._clock() + ttl)
        self._writes += 1
        if self._writes % _SWEEP_EVERY == 0:
            for stale in [k for k in self._data if self._live(k) is None]:
                self._data.pop(stale, None)

    async def claim(self, key: str, value: str = "1", ttl: float = 3600) -> bool:
        if self._live(key) is not None:
            return False
        self._write(key, value, ttl)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._write(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)

    async def delete_if(self, key: str, value: str) -> bool:
        if self._live(key) != value:
            return False
        del self._data[key]
        return True


class RedisDedupeStore(DedupeStore):
    """Shared by every worker (and every server) pointing at the same Redis."""

    def __init__(self, url: str, prefix: str = "kefu:") -> None:
        import redis.asyncio as redis  # only needed when configured

        self._redis = redis.from_url(url, decode_responses=True)
        self._prefix = prefix
        self._delete_if = self._redis.register_script(_DELETE_IF_LUA)

    def _k(self, key: str) -> str:
        return self._prefix + key

    async def claim(self, key: str, value: str = "1", ttl: float = 3600) -> bool:
        return bool(await self._redis.set(self._k(key), value, nx=True, px=max(1, int(ttl * 1000))))

    async def get(self, key: str) -> str | None:
        return await self._redis.get(self._k(key))

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        await self._redis.set(self._k(key), value, px=None if ttl is None else max(1, int(ttl * 1000)))

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._k(key))

    async def delete_if(self, key: str, value: str) -> bool:
        return bool(await self._delete_if(keys=[self._k(key)], args=[value]))

    async def close(self) -> None:
        await self._redis.aclose()


def open_dedupe_store(url: str, prefix: str = "kefu:") -> DedupeStore:
    """Redis when a URL is configured, else this process's memory (one worker only)."""
    if url:
        return RedisDedupeStore(url, prefix)
    return MemoryDedupeStore()
