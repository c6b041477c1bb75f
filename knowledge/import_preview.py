"""What an import would change, computed before anything is written (the editor shows it first).

Mirrors `FaqStore.replace_all`: in "merge" mode an incoming entry replaces the row of the same id
and status and every other row stays; in "replace" mode every row not in the file goes, drafts too.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Sequence

from knowledge.entry_diff import EntryDiff
from knowledge.types import FaqEntry

__all__ = ["ImportPreview"]


@dataclass(frozen=True)
class _Change:
    entry_id: str
    status: str
    fields: tuple[str, ...]


class ImportPreview:
    def __init__(self, incoming: Sequence[FaqEntry], current: Sequence[FaqEntry],
                 mode: Literal["merge", "replace"]) -> None:
        if mode not in ("merge", "replace"):
            raise ValueError(f"mode must be 'merge' or 'replace', not {mode!r}")
        rows = {(e.id, e.status): e for e in current}
        self.mode = mode
        self.new: list[tuple[str, str]] = []
        self.changed: list[_Change] = []
        self.unchanged = 0
        for entry in incoming:
            old = rows.get((entry.id, entry.status))
            if old is None:
                self.new.append((entry.id, entry.status))
                continue
            diff = EntryDiff(old, entry)
            if diff.changed:
                self.changed.append(_Change(entry.id, entry.status, tuple(diff.fields())))
            else:
                self.unchanged += 1
        self.removed: list[tuple[str, str]] = []
        if mode == "replace":
            keep = {(e.id, e.status) for e in incoming}
            self.removed = sorted(key for key in rows if key not in keep)

    def as_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "new": [{"id": i, "status": s} for i, s in self.new],
            "changed": [{"id": c.entry_id, "status": c.status, "fields": list(c.fields)} for c in self.changed],
            "removed": [{"id": i, "status": s} for i, s in self.removed],
            "unchanged": self.unchanged,
        }
