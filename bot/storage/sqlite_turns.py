"""Runs store work on an SQLite file: one thread, one connection, many operations per commit.

Each operation is a function of a synchronous Connection. Operations that arrive while a batch
is running wait and go together into the next one, in one transaction (group commit): a busy
server pays one BEGIN/COMMIT and one thread hop per batch instead of per operation. If anything
in a batch fails, the batch is rolled back and its operations rerun one transaction each, so an
operation's error (a duplicate message id) never touches another's work.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine

Work = Callable[[Connection], Any]


class SqliteTurns:
    def __init__(self, file_path: str, pragmas: Callable, max_batch: int = 64) -> None:
        self._engine = _engine(file_path, pragmas)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kefu-db")
        self._max_batch = max_batch
        self._conn: Connection | None = None
        self._pending: list[tuple[Work, asyncio.Future]] = []
        self._running = False

    async def run(self, fn: Work) -> Any:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((fn, future))
        if not self._running:
            self._running = True
            loop.create_task(self._drain())
        return await future

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._thread, self._dispose)
        self._thread.shutdown(wait=True)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                try:
                    outcomes = await loop.run_in_executor(self._thread, self._run_batch, [fn for fn, _ in batch])
                except Exception as exc:  # e.g. the database is locked for too long: tell every waiter
                    outcomes = [(False, exc)] * len(batch)
                for (_, future), (ok, value) in zip(batch, outcomes):
                    if future.done():
                        continue
                    if ok:
                        future.set_result(value)
                    else:
                        future.set_exception(value)
        finally:
            self._running = False

    def _run_batch(self, work: list[Work]) -> list[tuple[bool, Any]]:
        conn = self._connection()
        if len(work) > 1:
            try:
                with conn.begin():
                    return [(True, fn(conn)) for fn in work]
            except Exception:
                pass  # rolled back: rerun one by one so each gets its own result or error
        outcomes = []
        for fn in work:
            try:
                with conn.begin():
                    outcomes.append((True, fn(conn)))
            except Exception as exc:
                outcomes.append((False, exc))
        return outcomes

    def _connection(self) -> Connection:
        # Held for good by the database thread: checking a connection out of the pool and back
        # for every batch cost as much as the statements of a turn.
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self._engine.connect()
        return self._conn

    def _dispose(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._engine.dispose()


def _engine(file_path: str, pragmas: Callable) -> Engine:
    """One synchronous connection, used only from the database thread.

    Transactions start with BEGIN IMMEDIATE: a turn reads the conversation and then writes it,
    and taking the write lock first keeps another process from changing it in between.
    """
    engine = create_engine(f"sqlite:///{file_path}", pool_size=1, max_overflow=0)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, record) -> None:
        pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

    return engine
