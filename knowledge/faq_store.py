"""FAQ entries in the database: drafts, publishing, imports, per-entry history and an audit log.

Editing never touches what customers see: `save` writes a draft, `publish` makes all drafts live.
The live content changes only in `publish`, `delete` and `replace_all`, and each of those bumps
`version()`, which running bots poll to know when to rebuild their search index.

Two editors of one entry never silently overwrite each other: an edit may name the revision it was
based on (`base_revision`, the number of the entry's latest history row when it was read), and the
store checks it and writes in one transaction, after locking the entry's rows (`_claim`). A stale
edit raises `EditRefused` and writes nothing.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Awaitable, Callable, Iterable, Literal, Sequence, TypeVar

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from knowledge.faq_history import (AuditEvent, EditRefused, EntryChange, EntryRevision, EntryState, EntryWrite,
                                   RefusalReason, entry_of_row, entry_of_snapshot, entry_values, snapshot, utc)
from knowledge.formats.errors import ProblemList
from knowledge.formats.validation import check_entries, entry_problems
from knowledge.tables import AuditRow, EntryHistoryRow, EntryRow, KbStateRow
from knowledge.types import FaqEntry

__all__ = ["FaqStore", "EntryRevision", "EntryState", "EntryWrite", "EditRefused", "AuditEvent"]

_CHUNK = 500  # ids per IN (...) list, well under SQLite's and asyncpg's bind-parameter limits
_CLAIM_TRIES = 5
T = TypeVar("T")


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

    async def state(self, entry_id: str) -> EntryState:
        """Draft, live and revision of one entry. The revision is read first, so a change committed
        between the two reads can only make it older than the content (a needless 409 later),
        never newer (which would let the next edit overwrite that change unseen)."""
        async with self._engine.connect() as conn:
            revision = await self._latest_revision(conn, entry_id)
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
                raise await self._refusal(conn, "exists", entry.id, base_revision)
            if expect == "existing" and not statuses:
                raise await self._refusal(conn, "missing", entry.id, base_revision)
            if "draft" in statuses:  # only the draft we hold: one saved since is not ours to delete
                await conn.execute(delete(EntryRow).where(EntryRow.id == entry.id, EntryRow.status == "draft"))
            await conn.execute(insert(EntryRow).values(values))
            revisions = await self._record(conn, [saved.id], operation, "draft", [saved], now, by)
            await self._audit(conn, now, by, operation, entry.id, {"created": not statuses, **(detail or {})})
            return EntryWrite(saved, revisions[entry.id])

        return await self._edit(entry.id, base_revision, write, "exists" if expect == "new" else "stale")

    async def discard_draft(self, entry_id: str, by: str, *, base_revision: int | None = None) -> EntryWrite:
        """Throw away the draft of an entry: it is back to its live version, or gone if it never went
        live. Customers see no change, so the version stays. Refused: "missing", "no_draft", "stale"."""
        now = datetime.now(timezone.utc)

        async def discard(conn: AsyncConnection, statuses: set[str]) -> EntryWrite:
            if "draft" not in statuses:
                raise await self._refusal(conn, "no_draft" if statuses else "missing", entry_id, base_revision)
            await conn.execute(delete(EntryRow).where(EntryRow.id == entry_id, EntryRow.status == "draft"))
            row = (await conn.execute(select(EntryRow).where(EntryRow.id == entry_id,
                                                             EntryRow.status == "published"))).first()
            live = entry_of_row(row) if row is not None else None
            revisions = await self._record(conn, [entry_id], "discard_draft", "draft", [live], now, by)
            await self._audit(conn, now, by, "discard_draft", entry_id, {"removed": live is None})
            return EntryWrite(live, revisions[entry_id])

        return await self._edit(entry_id, base_revision, discard)

    async def delete(self, entry_id: str, by: str, *, base_revision: int | None = None) -> bool:
        """Remove an entry, draft and live at once; False if there was none; EditRefused ("stale")
        if it changed after `base_revision`."""
        now = datetime.now(timezone.utc)

        async def remove(conn: AsyncConnection, statuses: set[str]) -> bool:
            if not statuses:
                return False
            await conn.execute(delete(EntryRow).where(EntryRow.id == entry_id, EntryRow.status.in_(sorted(statuses))))
            await self._record(conn, [entry_id], "delete", "published" if "published" in statuses else "draft",
                               [None], now, by)
            detail: dict[str, Any] = {"statuses": sorted(statuses)}
            if "published" in statuses:
                detail["version"] = await self._bump(conn, now, by)
            await self._audit(conn, now, by, "delete", entry_id, detail)
            return True

        return await self._edit(entry_id, base_revision, remove)

    async def publish(self, by: str) -> int:
        """Make every draft live and return the new version (it changes even with no drafts)."""
        now = datetime.now(timezone.utc)
        async with self._engine.begin() as conn:
            # Take the drafts by deleting them: what goes live is exactly the rows removed. (Reading
            # them first and deleting by id would also delete a draft saved in between, unpublished.)
            # Drafts before live rows: the order _claim locks them in.
            taken = await conn.execute(delete(EntryRow).where(EntryRow.status == "draft")
                                       .returning(*EntryRow.__table__.columns))
            drafts = sorted((entry_of_row(row) for row in taken), key=lambda entry: entry.id)
            ids = [entry.id for entry in drafts]
            for chunk in _chunks(ids):
                await conn.execute(delete(EntryRow).where(EntryRow.status == "published", EntryRow.id.in_(chunk)))
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
                # What is removed is what the deletes took: a read before them misses an entry
                # created in between (on SQLite it even runs outside this transaction), which would
                # then vanish without a history row, and a stale copy of it could bring it back.
                taken = (await conn.scalars(delete(EntryRow).where(EntryRow.status == "draft")  # _claim's lock order
                                            .returning(EntryRow.id))).all()
                taken += (await conn.scalars(delete(EntryRow).returning(EntryRow.id))).all()
                removed = sorted(set(taken) - {entry.id for entry in entries})
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

    async def _edit(self, entry_id: str, base_revision: int | None,
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

    async def _claim(self, conn: AsyncConnection, entry_id: str) -> set[str]:
        """Lock an entry's rows until commit; which of them exist (draft, published).

        A no-op UPDATE: on PostgreSQL it row-locks them, so a second edit of the entry waits here and
        then reads what the first one wrote. On SQLite the driver opens the transaction at the first
        write, so a SELECT first would read outside it; this takes the write lock before we read.
        Draft before live row, the order publish takes them in, so the two cannot deadlock. A row
        another edit committed while we waited is not locked by an UPDATE that began before it:
        _RowsMoved, and _edit starts again. Where there is no row to lock (a new id), the primary
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
        latest = await self._latest_revision(conn, entry_id)
        if base_revision > latest:
            raise EditRefused("unknown_base", entry_id, base_revision, None, latest)
        change = await self._latest_change(conn, entry_id, after=base_revision)
        if change is not None:
            raise EditRefused("stale", entry_id, base_revision, change, latest)

    async def _refusal(self, conn: AsyncConnection, reason: RefusalReason, entry_id: str,
                       base_revision: int | None) -> EditRefused:
        return EditRefused(reason, entry_id, base_revision, await self._latest_change(conn, entry_id),
                           await self._latest_revision(conn, entry_id))

    async def _race_refusal(self, entry_id: str, base_revision: int | None, reason: RefusalReason) -> EditRefused:
        async with self._engine.connect() as conn:
            return await self._refusal(conn, reason, entry_id, base_revision)

    @staticmethod
    async def _latest_revision(conn: AsyncConnection, entry_id: str) -> int:
        query = select(func.max(EntryHistoryRow.revision)).where(EntryHistoryRow.entry_id == entry_id)
        return await conn.scalar(query) or 0

    @staticmethod
    async def _latest_change(conn: AsyncConnection, entry_id: str, after: int | None = None) -> EntryChange | None:
        """The newest change of an entry; with `after`, the newest after that revision that was not a publish."""
        h = EntryHistoryRow
        query = (select(h.entry_id, h.revision, h.change, h.changed_at, h.changed_by)
                 .where(h.entry_id == entry_id).order_by(h.revision.desc()).limit(1))
        if after is not None:
            query = query.where(h.revision > after, h.change != "publish")
        row = (await conn.execute(query)).first()
        return EntryChange(row.entry_id, row.revision, row.change, utc(row.changed_at), row.changed_by) if row else None

    async def _record(self, conn: AsyncConnection, ids: list[str], change: str, status: str | None,
                      entries: list[FaqEntry | None], at: datetime, by: str) -> dict[str, int]:
        """One history row per changed entry, numbered after that entry's previous revisions; the
        entries' new revisions."""
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
        return latest

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


class _RowsMoved(Exception):
    """An entry's rows changed while _claim waited for their locks; start the transaction again."""


class _Values:
    """Attribute access over a row dict, so a just-written row converts like a fetched one."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)
