"""Pending REST replies: the same behaviour in memory and in Redis, and two workers at once."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from bot.messages import Button, OutboundMessage
from connectors.pending_store import MemoryPendingStore, RedisPendingStore
from tests.redis_keys import REDIS_URL, two_workers

LIMIT, TTL = 100, 3600


def message(text: str, user: str = "customer-1", **fields) -> OutboundMessage:
    return OutboundMessage(channel="rest", user_id=user, conversation_id="conv-1", text=text, sender="agent", **fields)


@pytest.fixture
async def redis_stores():
    """Two connections with one private prefix: two workers sharing one Redis."""
    async with two_workers(lambda prefix: RedisPendingStore(REDIS_URL, f"{prefix}rest:pending:", LIMIT, TTL)) as stores:
        yield stores


@pytest.fixture(params=["memory", "redis"])
async def stores(request, redis_stores):
    """Two handles on one store: the same object in memory (one process), two connections in Redis."""
    if request.param == "memory":
        store = MemoryPendingStore(LIMIT, TTL)
        return store, store
    return redis_stores


async def test_take_returns_each_customers_messages_once_oldest_first(stores) -> None:
    first, second = stores
    for text in ("one", "two", "three"):
        await first.append(message(text))
    await first.append(message("other's", user="customer-2"))
    assert [m.text for m in await second.take("customer-1")] == ["one", "two", "three"]
    assert await second.take("customer-1") == [] and await first.take("customer-1") == []
    assert [m.text for m in await first.take("customer-2")] == ["other's"]


async def test_keeps_only_the_newest_messages(stores) -> None:
    first, second = stores
    for i in range(LIMIT + 7):
        await first.append(message(f"m{i}"))
    assert [m.text for m in await second.take("customer-1")] == [f"m{i}" for i in range(7, LIMIT + 7)]


async def test_a_message_round_trips_exactly(stores) -> None:
    first, second = stores
    sent = message(
        "请选择 / choose", buttons=(Button("退货", "/return"), Button("Track \"order\"", '/track{"id": 7}')),
        message_id="msg-42", kind="handoff", metadata={"agent": "小李", "n": 3},
        created_at=datetime(2026, 11, 25, 8, 30, 1, 123456, tzinfo=timezone.utc),
    )
    await first.append(sent)
    assert await second.take("customer-1") == [sent]


async def test_racing_appends_and_takes_hand_out_every_message_once(stores) -> None:
    first, second = stores
    texts = [f"m{i}" for i in range(60)]  # fewer than the limit: nothing may be dropped
    taken: list[str] = []
    done = asyncio.Event()

    async def append(store, part):
        for text in part:
            await store.append(message(text))

    async def take(store):
        while not done.is_set():
            taken.extend(m.text for m in await store.take("customer-1"))
            await asyncio.sleep(0)

    takers = [asyncio.create_task(take(s)) for s in (first, second, first, second)]
    await asyncio.gather(append(first, texts[0::2]), append(second, texts[1::2]))
    done.set()
    await asyncio.gather(*takers)
    taken.extend(m.text for m in await first.take("customer-1"))
    assert sorted(taken) == sorted(texts)  # none lost, none twice


async def test_redis_queues_carry_their_ttl(redis_stores) -> None:
    first, _ = redis_stores
    await first.append(message("hi"))
    assert 0 < await first._redis.ttl(first._k("customer-1")) <= TTL


async def test_memory_queues_expire() -> None:
    now = [1000.0]
    store = MemoryPendingStore(LIMIT, 10, clock=lambda: now[0])
    await store.append(message("old", user="gone"))
    now[0] += 11
    await store.append(message("new"))
    assert list(store._queues) == ["customer-1"]  # the stale queue was dropped, not kept forever
    now[0] += 11
    assert await store.take("customer-1") == []
