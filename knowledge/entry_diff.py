"""Field-by-field differences between two versions of an FAQ entry, for history and import previews.

Texts (question, answer, per-channel answers) come with character-level segments
(`[["equal"|"insert"|"delete", text], ...]`) so Chinese, which has no spaces, diffs as well as
English; lists (variants, tags, buttons, links) say what was added and removed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from knowledge.formats.entry_dict import entry_to_dict
from knowledge.types import FaqEntry

__all__ = ["EntryDiff", "FieldChange", "content_of"]

# Bookkeeping, not content: two versions that differ only here are the same entry.
_NOT_CONTENT = ("status", "updated_at", "updated_by")
_TEXT_FIELDS = ("id", "question", "answer", "category", "language", "action")
_LIST_FIELDS = ("variants", "tags", "buttons", "links")


def content_of(entry: FaqEntry | None) -> dict[str, Any]:
    """The entry's content as plain data, every field present (absent entry: {})."""
    if entry is None:
        return {}
    data = entry_to_dict(entry)
    for key in _NOT_CONTENT:
        data.pop(key, None)
    defaults = {"category": "", "tags": [], "language": "", "buttons": [], "links": [], "channel_answers": {},
                "action": None, "handoff": False}
    return data | {key: value for key, value in defaults.items() if key not in data}  # id, question first


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any
    segments: list[list[str]] = field(default_factory=list)  # texts only
    added: list[Any] = field(default_factory=list)  # lists only
    removed: list[Any] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "before": self.before, "after": self.after}
        if self.segments:
            out["segments"] = self.segments
        if self.added or self.removed:
            out["added"], out["removed"] = self.added, self.removed
        return out


class EntryDiff:
    """`EntryDiff(before, after).changes` lists what changed; `None` stands for "did not exist"."""

    def __init__(self, before: FaqEntry | None, after: FaqEntry | None) -> None:
        self.before, self.after = content_of(before), content_of(after)
        self.changes = self._compare()

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def fields(self) -> list[str]:
        return [change.field for change in self.changes]

    def as_list(self) -> list[dict[str, Any]]:
        return [change.as_dict() for change in self.changes]

    def _compare(self) -> list[FieldChange]:
        changes = []
        for key in dict.fromkeys([*self.before, *self.after]):
            old, new = self.before.get(key), self.after.get(key)
            if old == new:
                continue
            if key in _TEXT_FIELDS:
                changes.append(FieldChange(key, old, new, segments=_segments(old or "", new or "")))
            elif key in _LIST_FIELDS:
                old_list, new_list = old or [], new or []
                changes.append(FieldChange(key, old, new, added=[x for x in new_list if x not in old_list],
                                           removed=[x for x in old_list if x not in new_list]))
            elif key == "channel_answers":
                old_map, new_map = old or {}, new or {}
                for channel in sorted(set(old_map) | set(new_map)):
                    a, b = old_map.get(channel, ""), new_map.get(channel, "")
                    if a != b:
                        changes.append(FieldChange(f"answer:{channel}", a, b, segments=_segments(a, b)))
            else:
                changes.append(FieldChange(key, old, new))
        return changes


def _segments(old: str, new: str) -> list[list[str]]:
    if not isinstance(old, str) or not isinstance(new, str):
        return []
    out: list[list[str]] = []
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(["equal", old[a1:a2]])
            continue
        if op in ("delete", "replace"):
            out.append(["delete", old[a1:a2]])
        if op in ("insert", "replace"):
            out.append(["insert", new[b1:b2]])
    return out
