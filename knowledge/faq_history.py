"""Values the store returns about changes (per-entry revisions, the audit log, refused edits) and row helpers.

An entry's revision (the number of its latest history row) is the token of optimistic locking: an
edit names the revision it was based on, and the store refuses it (`EditRefused`) if anything but a
publish changed the entry since. Publishing moves a draft live without changing its content, so it
does not make anyone's copy stale.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Literal, Mapping

from knowledge.formats.entry_dict import entry_from_dict, entry_to_dict
from knowledge.types import FaqEntry, Link, QuickReply

__all__ = ["EntryRevision", "EntryChange", "EntryState", "EntryWrite", "EditRefused", "AuditEvent", "entry_values",
           "entry_of_row", "snapshot", "entry_of_snapshot", "utc"]


@dataclass(frozen=True)
class EntryRevision:
    """An entry as it was after one change; `entry` is None for a deletion."""

    entry_id: str
    revision: int  # 1, 2, ... per entry
    change: str  # save | rollback | accept_misses | discard_draft | publish | delete | import
    status: str  # the row that changed: draft or published
    entry: FaqEntry | None
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class EntryChange:
    """One change of an entry without its content: who did what, and when."""

    entry_id: str
    revision: int
    change: str
    changed_at: datetime
    changed_by: str


@dataclass(frozen=True)
class EntryState:
    """An entry's draft and live rows with the revision they were read at (0: the entry has no history)."""

    entry_id: str
    draft: FaqEntry | None
    live: FaqEntry | None
    revision: int

    @property
    def working(self) -> FaqEntry | None:
        return self.draft or self.live


@dataclass(frozen=True)
class EntryWrite:
    """An edit as stored: the entry's working copy after it (None: the entry is gone) and its new
    revision, the token the next edit of this copy must name."""

    entry: FaqEntry | None
    revision: int


RefusalReason = Literal["stale", "exists", "missing", "no_draft", "unknown_base"]


class EditRefused(Exception):
    """The store wrote nothing because the entry is not in the state the edit expected.

    stale: changed (or deleted) after `base_revision`, `latest` says by whom; exists: a new entry's id
    is taken; missing: no such entry; no_draft: nothing to discard; unknown_base: `base_revision` is
    newer than any revision of the entry (a garbled token).
    """

    def __init__(self, reason: RefusalReason, entry_id: str, base_revision: int | None,
                 latest: EntryChange | None, current_revision: int) -> None:
        super().__init__(f"{reason}: entry {entry_id!r} (base revision {base_revision}, now {current_revision})")
        self.reason, self.entry_id, self.base_revision = reason, entry_id, base_revision
        self.latest, self.current_revision = latest, current_revision


@dataclass(frozen=True)
class AuditEvent:
    at: datetime
    by: str
    operation: str  # save | rollback | accept_misses | discard_draft | delete | publish | import
    entry_id: str | None
    detail: Mapping[str, Any] = field(default_factory=dict)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything the store writes is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=timezone.utc)


def entry_values(entry: FaqEntry, status: str, at: datetime, by: str) -> dict[str, Any]:
    """The kb_entries row for an entry, stamped with who changed it and when."""
    return {
        "id": entry.id,
        "status": status,
        "question": entry.question,
        "answer": entry.answer,
        "variants": list(entry.variants),
        "buttons": [{"title": b.title, "payload": b.payload} for b in entry.buttons],
        "links": [{"title": link.title, "url": link.url} for link in entry.links],
        "channel_answers": dict(entry.channel_answers),
        "category": entry.category,
        "tags": list(entry.tags),
        "language": entry.language,
        "action": entry.action,
        "handoff": entry.handoff,
        "updated_at": at,
        "updated_by": by,
    }


def entry_of_row(row: Any) -> FaqEntry:
    return FaqEntry(
        id=row.id,
        question=row.question,
        answer=row.answer,
        variants=tuple(row.variants or ()),
        buttons=tuple(QuickReply(b["title"], b["payload"]) for b in row.buttons or ()),
        links=tuple(Link(link["title"], link["url"]) for link in row.links or ()),
        channel_answers=dict(row.channel_answers or {}),
        category=row.category,
        tags=tuple(row.tags or ()),
        language=row.language,
        status=row.status,
        action=row.action,
        handoff=bool(row.handoff),
        updated_at=utc(row.updated_at),
        updated_by=row.updated_by,
    )


def snapshot(entry: FaqEntry) -> dict[str, Any]:
    data = entry_to_dict(entry)
    data["status"] = entry.status  # entry_to_dict leaves out the default; a snapshot says it
    return data


def entry_of_snapshot(data: dict[str, Any] | None) -> FaqEntry | None:
    if data is None:
        return None

    def fail(message: str) -> None:
        raise ValueError(f"corrupt history snapshot of {data.get('id')!r}: {message}")

    return entry_from_dict(data, fail)
