"""One access_token for all workers (Official Account `cgi-bin/token`, WeCom `cgi-bin/gettoken`).

Fetching a new token invalidates the old one after a short overlap, so workers that each fetched
their own would keep breaking each other: the token lives in the shared store, one worker
fetches it (under a short lock in the same store) and the others read it. A 40001/42001 answer
means the token died early; `refresh(stale)` drops it only if no other worker replaced it yet.
"""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
from typing import Callable

import aiohttp

from connectors.dedupe_store import DedupeStore

log = logging.getLogger(__name__)

__all__ = ["TokenUnavailable", "WeChatToken"]

_EARLY_SECONDS = 300  # refresh this long before WeChat's expiry
_LOCK_SECONDS = 15
_WAIT_STEP = 0.1


class TokenUnavailable(Exception):
    """WeChat would not give a token (wrong secret, IP not whitelisted, network down)."""


class WeChatToken:
    def __init__(
        self, store: DedupeStore, http: Callable[[], aiohttp.ClientSession], url: str, params: dict[str, str], key: str
    ) -> None:
        """`url` + `params`: the token endpoint; `key`: the store key, e.g. `wechat:token:<appid>`."""
        self.store, self._http, self.url, self.params, self.key = store, http, url, params, key
        self._local = asyncio.Lock()  # one fetch per worker; the store lock covers the others

    async def get(self) -> str:
        if token := await self.store.get(self.key):
            return token
        async with self._local:
            return await self._fetch_shared()

    async def refresh(self, stale: str) -> str:
        """After 40001/42001 with `stale`: a fresh token, fetched once for everyone."""
        await self.store.delete_if(self.key, stale)
        return await self.get()

    async def _fetch_shared(self) -> str:
        owner = secrets.token_hex(8)
        for _ in range(int(_LOCK_SECONDS / _WAIT_STEP) + 1):
            if token := await self.store.get(self.key):
                return token
            if await self.store.claim(self.key + ":lock", owner, ttl=_LOCK_SECONDS):
                try:
                    return await self._fetch()
                finally:
                    await self.store.delete_if(self.key + ":lock", owner)
            await asyncio.sleep(_WAIT_STEP)  # another worker is fetching it
        raise TokenUnavailable("timed out waiting for another worker to fetch the access_token")

    async def _fetch(self) -> str:
        try:
            async with self._http().get(self.url, params=self.params, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                data = json.loads(await resp.text())
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            raise TokenUnavailable(f"could not reach {self.url}: {exc!r}") from None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise TokenUnavailable(f"{self.url} refused: {data}")
        ttl = max(60, int(data.get("expires_in", 7200)) - _EARLY_SECONDS)
        await self.store.set(self.key, token, ttl)
        log.info("fetched a new access_token (%s), valid %d s", self.key, ttl)
        return token
