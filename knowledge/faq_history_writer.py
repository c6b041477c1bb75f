"""The bookkeeping rows FaqStore writes beside each change: per-entry history, the version bots poll
and the audit log.

A writer is made for one operation inside the caller's transaction, with who changed the
knowledge base and when; it never commits or opens a connection of its own.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable, Sequence

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from knowledge.faq_history import snapshot
from knowledge.tables import AuditRow, EntryHistoryRow, KbStateRow
from knowledge.types import FaqEntry

__all__ = ["FaqHistoryWriter", "chunks"]

_CHUNK = 500  # ids per IN (...) list, well under SQLite's and asyncpg's bind-parameter limits


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    """`items` in slices small enough for one IN (...) list."""
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class FaqHistoryWriter:
    def __init__(self, conn: AsyncConnection, at: datetime, by: str) -> None:
        self._conn, self._at, self._by = conn, at, by

    async def record(self, ids: list[str], change: str, status: str | None,
                     entries: list[FaqEntry | None]) -> dict[str, int]:
        """One history row per changed entry, numbered after that entry's previous revisions; the
        entries' new revisions."""
        latest: dict[str, int] = {}
        for chunk in chunks(sorted(set(ids))):
            query = (select(EntryHistoryRow.entry_id, func.max(EntryHistoryRow.revision))
                     .where(EntryHistoryRow.entry_id.in_(chunk)).group_by(EntryHistoryRow.entry_id))
            latest.update({entry_id: revision for entry_id, revision in await self._conn.execute(query)})
        rows = []
        for entry_id, entry in zip(ids, entries):
            latest[entry_id] = latest.get(entry_id, 0) + 1
            rows.append({"entry_id": entry_id, "revision": latest[entry_id], "change": change,
                         "status": status or (entry.status if entry else "published"),
                         "snapshot": snapshot(entry) if entry else None,
                         "changed_at": self._at, "changed_by": self._by})
        await self._conn.execute(insert(EntryHistoryRow), rows)
        return latest

    async def bump(self) -> int:
        """Move the version on by one; the new version."""
        # An UPDATE of one row serialises concurrent publishers on PostgreSQL; no lost increments.
        result = await self._conn.execute(update(KbStateRow).where(KbStateRow.id == 1)
                                          .values(version=KbStateRow.version + 1, updated_at=self._at,
                                                  updated_by=self._by))
        if result.rowcount == 0:
            await self._conn.execute(insert(KbStateRow).values(id=1, version=1, updated_at=self._at,
                                                               updated_by=self._by))
        return await self._conn.scalar(select(KbStateRow.version).where(KbStateRow.id == 1))

    async def audit(self, operation: str, entry_id: str | None, detail: dict[str, Any]) -> None:
        await self._conn.execute(insert(AuditRow).values(at=self._at, by=self._by, operation=operation,
                                                         entry_id=entry_id, detail=detail))
