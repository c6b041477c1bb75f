"""Per-customer locks that hold across server processes (Redis `SET NX PX` + a token).

Within a process, waiters queue first-in first-out on a local lock, so at most one request per
customer and process contends for the Redis lock. The lease expires by itself if a process dies
while holding it, so a crash never blocks a customer for longer than the lease.
"""
from __future__ import annotations

import asyncio
import uuid
from contextlib import asynccontextmanager
from typing import AsyncIterator

import redis.asyncio as redis

from bot.keyed_lock import KeyedLock

_RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0"


class RedisKeyedLock:
    def __init__(self, client: redis.Redis, lease_seconds: float = 30.0, prefix: str = "kefu:lock") -> None:
        self.client = client
        self.lease_ms = int(lease_seconds * 1000)
        self.prefix = prefix
        self._local = KeyedLock()

    @asynccontextmanager
    async def hold(self, key: str) -> AsyncIterator[None]:
        async with self._local.hold(key):
            name, token = f"{self.prefix}:{key}", uuid.uuid4().hex
            delay = 0.002
            while not await self.client.set(name, token, nx=True, px=self.lease_ms):
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
            try:
                yield
            finally:
                await self.client.eval(_RELEASE, 1, name, token)
