"""The Redis at 127.0.0.1:6379 shared by the tests: each test writes under a private prefix and
removes its keys afterwards."""
from __future__ import annotations

import secrets
from contextlib import asynccontextmanager
from typing import AsyncIterator, Callable, TypeVar

REDIS_URL = "redis://127.0.0.1:6379/0"

Store = TypeVar("Store")


async def drop_keys(client, pattern: str) -> None:
    """Delete every key matching `pattern`, e.g. `<the test's prefix>*`."""
    keys = [k async for k in client.scan_iter(pattern)]
    if keys:
        await client.delete(*keys)


@asynccontextmanager
async def two_workers(open_store: Callable[[str], Store]) -> AsyncIterator[tuple[Store, Store]]:
    """Two stores (each its own connection, `._redis`) on one private prefix: two workers sharing Redis."""
    prefix = f"kefu-test-{secrets.token_hex(6)}:"
    first, second = open_store(prefix), open_store(prefix)
    try:
        yield first, second
    finally:
        await drop_keys(first._redis, f"{prefix}*")
        await first.close()
        await second.close()
