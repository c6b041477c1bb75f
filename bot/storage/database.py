"""The project database: an async SQLAlchemy engine plus Alembic migrations.

SQLite (the embedded default) runs in WAL mode so readers never block the writer; PostgreSQL
is used when `KEFU_DATABASE_URL` names it.

`run(fn)` is the fast path for hot, multi-statement work (a customer's message): `fn` gets a
plain synchronous Connection inside one transaction. On an SQLite file it runs on one dedicated
thread with a synchronous driver, batched into group commits (`SqliteTurns`), so a turn costs a
share of one thread hop instead of one hop per statement; elsewhere it runs through the async
engine (`run_sync`), so the same code serves both.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.storage.sqlite_turns import SqliteTurns

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_MIGRATION_LOCK = 0x6B656675  # "kefu": the PostgreSQL advisory lock key that serialises migrations
T = TypeVar("T")


class Database:
    def __init__(self, url: str, echo: bool = False, schema: str | None = None) -> None:
        self.url, self.schema = url, schema  # what another process needs to open the same database
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite and ":///" in url:
            path = url.split(":///", 1)[1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict = {"echo": echo}
        if self.is_sqlite:
            # One connection: SQLite has one writer at a time, and connections competing for the
            # write lock back off by sleeping (busy_timeout), which shows as latency spikes.
            # Queueing in asyncio for the single connection is both faster and fair.
            kwargs.update(pool_size=1, max_overflow=0, pool_timeout=60)
        else:
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
            if schema:  # tests isolate themselves in a schema of their own
                kwargs["connect_args"] = {"server_settings": {"search_path": schema}}
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        self._turns: SqliteTurns | None = None
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            file_path = url.split(":///", 1)[1] if ":///" in url else ""
            if file_path and file_path != ":memory:":
                self._turns = SqliteTurns(file_path, _sqlite_pragmas)

    async def run(self, fn: Callable[[Connection], T]) -> T:
        """`fn(connection)` in one transaction, committed when it returns (rolled back if it raises)."""
        if self._turns is None:
            async with self.engine.begin() as conn:
                return await conn.run_sync(fn)
        return await self._turns.run(fn)

    async def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent; safe at every start, also when
        several processes start on a new database at once: one migrates, the others wait for its
        commit and then find the schema at the newest revision)."""
        async with self.engine.begin() as conn:
            await conn.run_sync(_upgrade)

    async def close(self) -> None:
        if self._turns is not None:
            await self._turns.close()
            self._turns = None
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    # One migration at a time across processes, with the lock taken before Alembic reads the
    # current revision: else two processes on a new database both create the tables and one fails.
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock, held to the commit
    elif connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
    command.upgrade(alembic_config(connection), "head")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # first: switching a new file to WAL needs a lock another process may hold
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL: committed data survives a killed process; readers don't block the writer.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

