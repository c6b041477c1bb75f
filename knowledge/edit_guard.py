"""Optimistic locking for FaqStore's edits of one entry.

An edit may name the revision it was based on (`base_revision`, the number of the entry's latest
history row when it was read). `EditGuard.edit` locks the entry's rows, checks that revision and runs
the write in one transaction, so no other edit can come between the check and the write. A stale
edit raises `EditRefused` and writes nothing.
"""
from __future__ import annotations

from typing import Awaitable, Callable, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from knowledge.faq_history import EditRefused, EntryChange, RefusalReason, utc
from knowledge.tables import EntryHistoryRow, EntryRow

__all__ = ["EditGuard"]

_CLAIM_TRIES = 5
T = TypeVar("T")


class EditGuard:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def edit(self, entry_id: str, base_revision: int | None,
                   work: Callable[[AsyncConnection, set[str]], Awaitable[T]], race: RefusalReason = "stale") -> T:
        """`work(conn, statuses)` in one transaction that holds the entry's rows (`_claim`) and has
        checked `base_revision`: the check and the write cannot be separated by another edit."""
        try:
            for _ in range(_CLAIM_TRIES):
                try:
                    async with self._engine.begin() as conn:
                        statuses = await self._claim(conn, entry_id)
                        await self._check_base(conn, entry_id, base_revision)
                        return await work(conn, statuses)
                except _RowsMoved:
                    continue  # in a new transaction: locking more rows in this one could deadlock
        except IntegrityError:
            # Another edit wrote the same new row first: possible only where _claim found no row to
            # lock (a new id). Nothing of ours was written.
            raise await self._race_refusal(entry_id, base_revision, race) from None
        raise await self._race_refusal(entry_id, base_revision, "stale")  # rewritten again and again meanwhile

    async def refusal(self, conn: AsyncConnection, reason: RefusalReason, entry_id: str,
                      base_revision: int | None) -> EditRefused:
        """The refusal to raise from inside `work`, naming the entry's latest change."""
        return EditRefused(reason, entry_id, base_revision, await self.latest_change(conn, entry_id),
                           await self.latest_revision(conn, entry_id))

    @staticmethod
    async def latest_revision(conn: AsyncConnection, entry_id: str) -> int:
        query = select(func.max(EntryHistoryRow.revision)).where(EntryHistoryRow.entry_id == entry_id)
        return await conn.scalar(query) or 0

    @staticmethod
    async def latest_change(conn: AsyncConnection, entry_id: str, after: int | None = None) -> EntryChange | None:
        """The newest change of an entry; with `after`, the newest after that revision that was not a publish."""
        h = EntryHistoryRow
        query = (select(h.entry_id, h.revision, h.change, h.changed_at, h.changed_by)
                 .where(h.entry_id == entry_id).order_by(h.revision.desc()).limit(1))
        if after is not None:
            query = query.where(h.revision > after, h.change != "publish")
        row = (await conn.execute(query)).first()
        return EntryChange(row.entry_id, row.revision, row.change, utc(row.changed_at), row.changed_by) if row else None

    async def _claim(self, conn: AsyncConnection, entry_id: str) -> set[str]:
        """Lock an entry's rows until commit; which of them exist (draft, published).

        A no-op UPDATE: on PostgreSQL it row-locks them, so a second edit of the entry waits here and
        then reads what the first one wrote. On SQLite the driver opens the transaction at the first
        write, so a SELECT first would read outside it; this takes the write lock before we read.
        Draft before live row, the order publish takes them in, so the two cannot deadlock. A row
        another edit committed while we waited is not locked by an UPDATE that began before it:
        _RowsMoved, and `edit` starts again. Where there is no row to lock (a new id), the primary
        key and the history's unique (entry, revision) make the later of two writers fail instead.
        """
        held = set()
        for status in ("draft", "published"):
            result = await conn.execute(update(EntryRow).where(EntryRow.id == entry_id, EntryRow.status == status)
                                        .values(updated_by=EntryRow.updated_by))
            if result.rowcount:
                held.add(status)
        if set((await conn.scalars(select(EntryRow.status).where(EntryRow.id == entry_id))).all()) != held:
            raise _RowsMoved()
        return held

    async def _check_base(self, conn: AsyncConnection, entry_id: str, base_revision: int | None) -> None:
        """Refuse an edit based on `base_revision` if anything but a publish changed the entry since.
        (Publishing makes a draft live unchanged: the editor's copy still shows the content.)"""
        if base_revision is None:
            return
        latest = await self.latest_revision(conn, entry_id)
        if base_revision > latest:
            raise EditRefused("unknown_base", entry_id, base_revision, None, latest)
        change = await self.latest_change(conn, entry_id, after=base_revision)
        if change is not None:
            raise EditRefused("stale", entry_id, base_revision, change, latest)

    async def _race_refusal(self, entry_id: str, base_revision: int | None, reason: RefusalReason) -> EditRefused:
        async with self._engine.connect() as conn:
            return await self.refusal(conn, reason, entry_id, base_revision)


class _RowsMoved(Exception):
    """An entry's rows changed while _claim waited for their locks; start the transaction again."""
