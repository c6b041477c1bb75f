"""Several processes starting on a NEW database at once (`kefu run` and a `kefu kb import` started
together, e.g. by docker compose): one migrates, the others wait and find the schema at the newest
revision; none fails with "table already exists". On an SQLite file and on PostgreSQL."""
from __future__ import annotations

import asyncio
import multiprocessing
import uuid
from pathlib import Path

import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from bot.storage import Database
from bot.storage.database import alembic_config
from tests.conftest import POSTGRES_URL, _dsn

PROCESSES = 3
ROUNDS = 4  # a fresh database each round: the race is lost by chance, so give it several chances
JOIN_TIMEOUT = 300.0  # a hang guard, not a measurement


def _migrate_at_barrier(url: str, schema: str | None, barrier, results) -> None:
    async def go() -> None:
        db = Database(url, schema=schema)
        try:
            barrier.wait()
            await db.migrate()
            results.put("ok")
        except Exception as exc:  # reported to the test, which names it
            results.put(f"{type(exc).__name__}: {exc}"[:300])
        finally:
            await db.close()

    asyncio.run(go())


async def _new_database(kind: str, tmp_path: Path, n: int) -> tuple[str, str | None]:
    if kind == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / f'new{n}.db'}", None
    schema = f"m_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_dsn(POSTGRES_URL))
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    await conn.close()
    return POSTGRES_URL, schema


async def _drop(schema: str | None) -> None:
    if schema:
        conn = await asyncpg.connect(_dsn(POSTGRES_URL))
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


async def _revision_and_tables(url: str, schema: str | None) -> tuple[str, set[str]]:
    db = Database(url, schema=schema)
    try:
        async with db.engine.connect() as conn:
            revision = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        return revision, tables
    finally:
        await db.close()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_processes_starting_together_on_a_new_database_all_start(kind, tmp_path):
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    spawn = multiprocessing.get_context("spawn")
    for n in range(ROUNDS):
        url, schema = await _new_database(kind, tmp_path, n)
        try:
            barrier, results = spawn.Barrier(PROCESSES), spawn.Queue()
            procs = [spawn.Process(target=_migrate_at_barrier, args=(url, schema, barrier, results))
                     for _ in range(PROCESSES)]
            for p in procs:
                p.start()
            for p in procs:
                await asyncio.to_thread(p.join, JOIN_TIMEOUT)
            outcomes = [results.get(timeout=5) for _ in procs]
            assert outcomes == ["ok"] * PROCESSES, f"round {n}: {outcomes}"
            revision, tables = await _revision_and_tables(url, schema)
            assert revision == head
            assert {"customers", "conversations", "kb_entries"} <= tables
        finally:
            await _drop(schema)
