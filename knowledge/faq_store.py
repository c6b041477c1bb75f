"""FAQ entries in the database: drafts, publishing, imports, per-entry history and an audit log.

Editing never touches what customers see: `save` writes a draft, `publish` makes all drafts live.
The live content changes only in `publish`, `delete` and `replace_all`, and each of those bumps
`version()`, which running bots poll to know when to rebuild their search index.

Two editors of one entry never silently overwrite each other: an edit may name the revision it was
based on (`base_revision`, the number of the entry's latest history row when it was read), and the
store checks it and writes in one transaction, after locking the entry's rows (`EditGuard`). A
stale edit raises `EditRefused` and writes nothing. The history, version and audit rows each change
leaves are written by `FaqHistoryWriter` in the same transaction.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Literal, Sequence

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from knowledge.edit_guard import EditGuard
from knowledge.faq_history import (AuditEvent, EditRefused, EntryRevision, EntryState, EntryWrite, entry_of_row,
                                   entry_of_snapshot, entry_values, utc)
from knowledge.faq_history_writer import FaqHistoryWriter, chunks
from knowledge.formats.errors import ProblemList
from knowledge.formats.validation import check_entries, entry_problems
from knowledge.tables import AuditRow, EntryHistoryRow, EntryRow, KbStateRow
from knowledge.types import FaqEntry

__all__ = ["FaqStore", "EntryRevision", "EntryState", "EntryWrite", "EditRefused", "AuditEvent"]


class FaqStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._guard = EditGuard(engine)

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

    async def state(self, entry_id: str) -> EntryState:
        """Draft, live and revision of one entry. The revision is read first, so a change committed
        between the two reads can only make it older than the content (a needless 409 later),
        never newer (which would let the next edit overwrite that change unseen)."""
        async with self._engine.connect() as conn:
            revision = await EditGuard.latest_revision(conn, entry_id)
            rows = {row.status: entry_of_row(row)
                    for row in await conn.execute(select(EntryRow).where(EntryRow.id == entry_id))}
        return EntryState(entry_id, rows.get("draft"), rows.get("published"), revision)

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
        """Create or update the draft of an entry (its status is always draft), unchecked; returns it as stored."""
        return (await self.write_draft(entry, by)).entry

    async def write_draft(self, entry: FaqEntry, by: str, *, base_revision: int | None = None,
                          expect: Literal["any", "new", "existing"] = "any", operation: str = "save",
                          detail: dict[str, Any] | None = None) -> EntryWrite:
        """Write the draft of an entry as one edit, audited and recorded in its history as `operation`.

        `base_revision`: the revision the edit is based on; refused ("stale") if anything but a
        publish changed the entry since (None: no check, the last write wins). `expect` "new": the
        id must be free ("exists"); "existing": the entry must exist ("missing"). A refused edit
        raises EditRefused and writes nothing.
        """
        problems = entry_problems(entry)
        if problems:
            raise ValueError(f"entry {entry.id!r}: {'; '.join(problems)}")
        now = datetime.now(timezone.utc)
        values = entry_values(entry, "draft", now, by)
        saved = entry_of_row(_Values(values))

        async def write(conn: AsyncConnection, statuses: set[str]) -> EntryWrite:
            if expect == "new" and statuses:
                raise await self._guard.refusal(conn, "exists", entry.id, base_revision)
            if expect == "existing" and not statuses:
                raise await self._guard.refusal(conn, "missing", entry.id, base_revision)
            if "draft" in statuses:  # only the draft we hold: one saved since is not ours to delete
                await conn.execute(delete(EntryRow).where(EntryRow.id == entry.id, EntryRow.status == "draft"))
            await conn.execute(insert(EntryRow).values(values))
            history = FaqHistoryWriter(conn, now, by)
            revisions = await history.record([saved.id], operation, "draft", [saved])
            await history.audit(operation, entry.id, {"created": not statuses, **(detail or {})})
            return EntryWrite(saved, revisions[entry.id])

        return await self._guard.edit(entry.id, base_revision, write, "exists" if expect == "new" else "stale")

    async def discard_draft(self, entry_id: str, by: str, *, base_revision: int | None = None) -> EntryWrite:
        """Throw away the draft of an entry: it is back to its live version, or gone if it never went
        live. Customers see no change, so the version stays. Refused: "missing", "no_draft", "stale"."""
        now = datetime.now(timezone.utc)

        async def discard(conn: AsyncConnection, statuses: set[str]) -> EntryWrite:
            if "draft" not in statuses:
                raise await self._guard.refusal(conn, "no_draft" if statuses else "missing", entry_id, base_revision)
            await conn.execute(delete(EntryRow).where(EntryRow.id == entry_id, EntryRow.status == "draft"))
            row = (await conn.execute(select(EntryRow).where(EntryRow.id == entry_id,
                                                             EntryRow.status == "published"))).first()
            live = entry_of_row(row) if row is not None else None
            history = FaqHistoryWriter(conn, now, by)
            revisions = await history.record([entry_id], "discard_draft", "draft", [live])
            await history.audit("discard_draft", entry_id, {"removed": live is None})
            return EntryWrite(live, revisions[entry_id])

        return await self._guard.edit(entry_id, base_revision, discard)

    async def delete(self, entry_id: str, by: str, *, base_revision: int | None = None) -> bool:
        """Remove an entry, draft and live at once; False if there was none; EditRefused ("stale")
        if it changed after `base_revision`."""
        now = datetime.now(timezone.utc)

        async def remove(conn: AsyncConnection, statuses: set[str]) -> bool:
            if not statuses:
                return False
            await conn.execute(delete(EntryRow).where(EntryRow.id == entry_id, EntryRow.status.in_(sorted(statuses))))
            history = FaqHistoryWriter(conn, now, by)
            await history.record([entry_id], "delete", "published" if "published" in statuses else "draft", [None])
            detail: dict[str, Any] = {"statuses": sorted(statuses)}
            if "published" in statuses:
                detail["version"] = await history.bump()
            await history.audit("delete", entry_id, detail)
            return True

        return await self._guard.edit(entry_id, base_revision, remove)

    async def publish(self, by: str) -> int:
        """Make every draft live and return the new version (it changes even with no drafts)."""
        now = datetime.now(timezone.utc)
        async with self._engine.begin() as conn:
            history = FaqHistoryWriter(conn, now, by)
            # Take the drafts by deleting them: what goes live is exactly the rows removed. (Reading
            # them first and deleting by id would also delete a draft saved in between, unpublished.)
            # Drafts before live rows: the order EditGuard locks them in.
            taken = await conn.execute(delete(EntryRow).where(EntryRow.status == "draft")
                                       .returning(*EntryRow.__table__.columns))
            drafts = sorted((entry_of_row(row) for row in taken), key=lambda entry: entry.id)
            ids = [entry.id for entry in drafts]
            for chunk in chunks(ids):
                await conn.execute(delete(EntryRow).where(EntryRow.status == "published", EntryRow.id.in_(chunk)))
            if drafts:
                # The author and time of the content stay those of the draft; the audit log has ours.
                live = [entry_values(e, "published", e.updated_at or now, e.updated_by) for e in drafts]
                await conn.execute(insert(EntryRow), live)
                await history.record(ids, "publish", "published", [entry_of_row(_Values(values)) for values in live])
            version = await history.bump()
            await history.audit("publish", None, {"version": version, "entries": ids})
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
            history = FaqHistoryWriter(conn, now, by)
            removed: list[str] = []
            if mode == "replace":
                # What is removed is what the deletes took: a read before them misses an entry
                # created in between (on SQLite it even runs outside this transaction), which would
                # then vanish without a history row, and a stale copy of it could bring it back.
                taken = (await conn.scalars(delete(EntryRow).where(EntryRow.status == "draft")  # EditGuard's lock order
                                            .returning(EntryRow.id))).all()
                taken += (await conn.scalars(delete(EntryRow).returning(EntryRow.id))).all()
                removed = sorted(set(taken) - {entry.id for entry in entries})
            else:
                for status in ("draft", "published"):
                    ids = [entry.id for entry in entries if entry.status == status]
                    for chunk in chunks(ids):
                        await conn.execute(delete(EntryRow).where(and_(EntryRow.status == status, EntryRow.id.in_(chunk))))
            if entries:
                rows = [entry_values(entry, entry.status, now, by) for entry in entries]
                await conn.execute(insert(EntryRow), rows)
                await history.record([e.id for e in entries], "import", None,
                                     [entry_of_row(_Values(values)) for values in rows])
            if removed:
                await history.record(removed, "delete", "published", [None] * len(removed))
            version = await history.bump()
            await history.audit("import", None,
                                {"mode": mode, "count": len(entries), "removed": removed, "version": version})
        return version


class _Values:
    """Attribute access over a row dict, so a just-written row converts like a fetched one."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
