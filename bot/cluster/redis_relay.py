"""Messages between server processes through Redis pub/sub, plus "only one process does this".

A customer's widget socket and an agent's console socket may be held by different processes;
whatever one process publishes here, every process (itself included) receives and delivers to
the sockets it holds.
"""
from __future__ import annotations

import asyncio
import json
import logging
import uuid
from typing import Any, Awaitable, Callable

import redis.asyncio as redis

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class RedisRelay:
    def __init__(self, url: str, prefix: str = "kefu") -> None:
        self.client = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self.process_id = uuid.uuid4().hex
        self._handlers: dict[str, Handler] = {}
        self._listener: asyncio.Task | None = None
        self._ready = asyncio.Event()

    def on(self, topic: str, handler: Handler) -> None:
        self._handlers[f"{self.prefix}:{topic}"] = handler

    async def start(self) -> None:
        await self.client.ping()  # fail at start, with the URL in the error, not at the first message
        self._listener = asyncio.create_task(self._listen())
        await asyncio.wait_for(self._ready.wait(), 10)

    async def publish(self, topic: str, payload: dict[str, Any]) -> None:
        await self.client.publish(f"{self.prefix}:{topic}", json.dumps(payload, ensure_ascii=False, default=str))

    async def once(self, name: str, seconds: float) -> bool:
        """True for exactly one process per `seconds` window (periodic jobs like queue updates)."""
        return bool(await self.client.set(f"{self.prefix}:once:{name}", self.process_id, nx=True, px=int(seconds * 1000)))

    async def _listen(self) -> None:
        pubsub = self.client.pubsub()
        await pubsub.subscribe(*self._handlers)
        self._ready.set()
        try:
            async for item in pubsub.listen():
                if item.get("type") != "message":
                    continue
                handler = self._handlers.get(item["channel"])
                if handler is None:
                    continue
                try:
                    await handler(json.loads(item["data"]))
                except Exception:  # one bad message must not stop the relay
                    log.exception("relay handler for %s failed", item["channel"])
        finally:
            await pubsub.aclose()

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            try:
                await self._listener
            except (asyncio.CancelledError, Exception):
                pass
        await self.client.aclose()
