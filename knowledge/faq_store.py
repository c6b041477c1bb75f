"""FAQ entries in the database: drafts, publishing, imports, per-entry history and an audit log.

Editing never touches what customers see: `save` writes a draft, `publish` makes all drafts live.
The live content changes only in `publish`, `delete` and `replace_all`, and each of those bumps
`version()`, which running bots poll to know when to rebuild their search index.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Iterable, Literal, Sequence

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from knowledge.faq_history import (AuditEvent, EntryRevision, entry_of_row, entry_of_snapshot,
                                   entry_values, snapshot, utc)
from knowledge.formats.errors import ProblemList
from knowledge.formats.validation import check_entries, entry_problems
from knowledge.tables import AuditRow, EntryHistoryRow, EntryRow, KbStateRow
from knowledge.types import FaqEntry

__all__ = ["FaqStore", "EntryRevision", "AuditEvent"]

_CHUNK = 500  # ids per IN (...) list, well under SQLite's and asyncpg's bind-parameter limits


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start:start + _CHUNK]


class FaqStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    # -- reading ---------------------------------------------------------------------------------

    async def list_entries(self, status: str | None = "published") -> list[FaqEntry]:
        """Live entries by default; "draft" for pending edits; None for every row of both kinds."""
        query = select(EntryRow).order_by(EntryRow.id, EntryRow.status)
        if status is not None:
            query = query.where(EntryRow.status == status)
        async with self._engine.connect() as conn:
            return [entry_of_row(row) for row in await conn.execute(query)]

    async def get(self, entry_id: str, status: str | None = None) -> FaqEntry | None:
        """The given status, or by default the working copy: the draft if there is one, else live."""
        async with self._engine.connect() as conn:
            rows = {row.status: row for row in await conn.execute(select(EntryRow).where(EntryRow.id == entry_id))}
        row = rows.get(status) if status else rows.get("draft") or rows.get("published")
        return entry_of_row(row) if row is not None else None

    async def version(self) -> int:
        async with self._engine.connect() as conn:
            value = await conn.scalar(select(KbStateRow.version).where(KbStateRow.id == 1))
        return value or 0

    async def history(self, entry_id: str) -> list[EntryRevision]:
        """Every change of one entry, newest first."""
        query = (select(EntryHistoryRow).where(EntryHistoryRow.entry_id == entry_id)
                 .order_by(EntryHistoryRow.revision.desc()))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [EntryRevision(row.entry_id, row.revision, row.change, row.status,
                              entry_of_snapshot(row.snapshot), utc(row.changed_at), row.changed_by)
                for row in rows]

    async def audit_log(self, limit: int = 100) -> list[AuditEvent]:
        """The latest operations on the knowledge base, newest first."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [AuditEvent(utc(row.at), row.by, row.operation, row.entry_id, row.detail or {}) for row in rows]

    # -- changing ----------------------------------------------------------------------------------

    async def save(self, entry: FaqEntry, by: str) -> FaqEntry:
        """Create or update the draft of an entry (its status is always draft); returns it as stored."""
        problems = entry_problems(entry)
        if problems:
            raise ValueError(f"entry {entry.id!r}: {'; '.join(problems)}")
        now = datetime.now(timezone.utc)
        values = entry_values(entry, "draft", now, by)
        async with self._engine.begin() as conn:
            existed = await conn.scalar(select(func.count()).select_from(EntryRow).where(EntryRow.id == entry.id))
            await conn.execute(delete(EntryRow).where(EntryRow.id == entry.id, EntryRow.status == "draft"))
            await conn.execute(insert(EntryRow).values(values))
            saved = entry_of_row(_Values(values))
            await self._record(conn, [saved.id], "save", "draft", [saved], now, by)
            await self._audit(conn, now, by, "save", entry.id, {"created": not existed})
        return saved

    async def delete(self, entry_id: str, by: str) -> bool:
        """Remove an entry, draft and live at once; False if there was none."""
        now = datetime.now(timezone.utc)
        async with self._engine.begin() as conn:
            statuses = set((await conn.scalars(select(EntryRow.status).where(EntryRow.id == entry_id))).all())
            if not statuses:
                return False
            await conn.execute(delete(EntryRow).where(EntryRow.id == entry_id))
            await self._record(conn, [entry_id], "delete", "published" if "published" in statuses else "draft",
                               [None], now, by)
            detail: dict[str, Any] = {"statuses": sorted(statuses)}
            if "published" in statuses:
                detail["version"] = await self._bump(conn, now, by)
            await self._audit(conn, now, by, "delete", entry_id, detail)
        return True

    async def publish(self, by: str) -> int:
        """Make every draft live and return the new version (it changes even with no drafts)."""
        now = datetime.now(timezone.utc)
        async with self._engine.begin() as conn:
            drafts = [entry_of_row(row) for row in await conn.execute(
                select(EntryRow).where(EntryRow.status == "draft").order_by(EntryRow.id))]
            ids = [entry.id for entry in drafts]
            for chunk in _chunks(ids):
                await conn.execute(delete(EntryRow).where(EntryRow.id.in_(chunk)))
            if drafts:
                # The author and time of the content stay those of the draft; the audit log has ours.
                live = [entry_values(e, "published", e.updated_at or now, e.updated_by) for e in drafts]
                await conn.execute(insert(EntryRow), live)
                await self._record(conn, ids, "publish", "published",
                                   [entry_of_row(_Values(values)) for values in live], now, by)
            version = await self._bump(conn, now, by)
            await self._audit(conn, now, by, "publish", None, {"version": version, "entries": ids})
        return version

    async def replace_all(self, entries: Sequence[FaqEntry], by: str,
                          mode: Literal["merge", "replace"] = "merge") -> int:
        """Import entries in one transaction and return the new version; on any error nothing changes.

        Each entry is written under its own status (entries read from files are published).
        "merge" replaces the entries with the same id and keeps the rest; "replace" also removes
        every other entry, drafts included, so the knowledge base is exactly `entries`.
        """
        if mode not in ("merge", "replace"):
            raise ValueError(f"mode must be 'merge' or 'replace', not {mode!r}")
        problems = ProblemList("import")
        check_entries(((f"entry {i} (id {e.id!r})", e) for i, e in enumerate(entries, start=1)), problems)
        problems.raise_if_any()
        now = datetime.now(timezone.utc)
        async with self._engine.begin() as conn:
            removed: list[str] = []
            if mode == "replace":
                incoming = {entry.id for entry in entries}
                existing = (await conn.scalars(select(EntryRow.id).distinct())).all()
                removed = sorted(set(existing) - incoming)
                await conn.execute(delete(EntryRow))
            else:
                for status in ("draft", "published"):
                    ids = [entry.id for entry in entries if entry.status == status]
                    for chunk in _chunks(ids):
                        await conn.execute(delete(EntryRow).where(and_(EntryRow.status == status, EntryRow.id.in_(chunk))))
            if entries:
                rows = [entry_values(entry, entry.status, now, by) for entry in entries]
                await conn.execute(insert(EntryRow), rows)
                await self._record(conn, [e.id for e in entries], "import", None,
                                   [entry_of_row(_Values(values)) for values in rows], now, by)
            if removed:
                await self._record(conn, removed, "delete", "published", [None] * len(removed), now, by)
            version = await self._bump(conn, now, by)
            await self._audit(conn, now, by, "import", None,
                              {"mode": mode, "count": len(entries), "removed": removed, "version": version})
        return version

    # -- bookkeeping inside the caller's transaction -----------------------------------------------

    async def _record(self, conn: AsyncConnection, ids: list[str], change: str, status: str | None,
                      entries: list[FaqEntry | None], at: datetime, by: str) -> None:
        """One history row per changed entry, numbered after that entry's previous revisions."""
        latest: dict[str, int] = {}
        for chunk in _chunks(sorted(set(ids))):
            query = (select(EntryHistoryRow.entry_id, func.max(EntryHistoryRow.revision))
                     .where(EntryHistoryRow.entry_id.in_(chunk)).group_by(EntryHistoryRow.entry_id))
            latest.update({entry_id: revision for entry_id, revision in await conn.execute(query)})
        rows = []
        for entry_id, entry in zip(ids, entries):
            latest[entry_id] = latest.get(entry_id, 0) + 1
            rows.append({"entry_id": entry_id, "revision": latest[entry_id], "change": change,
                         "status": status or (entry.status if entry else "published"),
                         "snapshot": snapshot(entry) if entry else None, "changed_at": at, "changed_by": by})
        await conn.execute(insert(EntryHistoryRow), rows)

    async def _bump(self, conn: AsyncConnection, at: datetime, by: str) -> int:
        # An UPDATE of one row serialises concurrent publishers on PostgreSQL; no lost increments.
        result = await conn.execute(update(KbStateRow).where(KbStateRow.id == 1)
                                    .values(version=KbStateRow.version + 1, updated_at=at, updated_by=by))
        if result.rowcount == 0:
            await conn.execute(insert(KbStateRow).values(id=1, version=1, updated_at=at, updated_by=by))
        return await conn.scalar(select(KbStateRow.version).where(KbStateRow.id == 1))

    async def _audit(self, conn: AsyncConnection, at: datetime, by: str, operation: str,
                     entry_id: str | None, detail: dict[str, Any]) -> None:
        await conn.execute(insert(AuditRow).values(at=at, by=by, operation=operation, entry_id=entry_id, detail=detail))


class _Values:
    """Attribute access over a row dict, so a just-written row converts like a fetched one."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
