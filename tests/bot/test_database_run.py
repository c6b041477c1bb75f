"""Database.run: one transaction per operation, batched on SQLite, errors kept to their operation."""
from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage import ConversationStore
from bot.storage.conversation_store import DuplicateMessage, NewMessage


def _insert(key: str, then_fail: bool = False):
    def work(conn):
        conn.execute(text("INSERT INTO run_probe (k) VALUES (:k)"), {"k": key})
        if then_fail:
            raise ValueError(f"failed after writing {key}")
        return key

    return work


async def _keys(database) -> list[str]:
    return await database.run(lambda conn: [r.k for r in conn.execute(text("SELECT k FROM run_probe ORDER BY k"))])


@pytest.fixture
async def probe(database):
    await database.run(lambda conn: conn.execute(text("CREATE TABLE run_probe (k VARCHAR(20) PRIMARY KEY)")))
    return database


async def test_concurrent_operations_all_commit_and_each_error_stays_with_its_operation(probe):
    await probe.run(_insert("taken"))
    work = [_insert(f"k{i:02d}") for i in range(30)] + [_insert("taken"), _insert("half", then_fail=True)]
    outcomes = await asyncio.gather(*(probe.run(w) for w in work), return_exceptions=True)
    assert outcomes[:30] == [f"k{i:02d}" for i in range(30)]
    assert isinstance(outcomes[30], IntegrityError)  # the duplicate key, not its batch mates
    assert isinstance(outcomes[31], ValueError)
    keys = await _keys(probe)
    assert keys == sorted([f"k{i:02d}" for i in range(30)] + ["taken"])  # "half" was rolled back


async def test_a_repeated_message_in_a_busy_batch_is_reported_and_stored_once(database):
    store = ConversationStore(database)
    conv = await store.current("web", "dora")
    first = NewMessage("customer", "hello", dedupe_key="web:dora:1")
    again = NewMessage("customer", "hello", dedupe_key="web:dora:1")
    others = [store.add(conv.id, "web", [NewMessage("customer", f"other {i}")]) for i in range(10)]
    stored = await store.add(conv.id, "web", [first])
    results = await asyncio.gather(store.add(conv.id, "web", [again]), *others, return_exceptions=True)
    assert isinstance(results[0], DuplicateMessage)
    assert all(isinstance(r, list) and len(r) == 1 for r in results[1:])
    texts = [m.text for m in await store.transcript(conv.id)]
    assert texts.count("hello") == 1 and len(texts) == 11
    assert stored[0].text == "hello"
