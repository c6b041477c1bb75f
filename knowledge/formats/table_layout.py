"""The spreadsheet layout shared by CSV and XLSX: one entry per row, one field per column.

Required columns: id, question, answer. Optional: variants, category, tags, language, action,
handoff, buttons, links, status, updated_at, updated_by, and `answer:<channel>` for a
per-channel answer. Chinese headers (问题, 答案, 相似问法, ...) are accepted too; a header starting
with # marks a notes column the import ignores. Any other header is refused, so a typo like
`catgory` cannot drop data silently.
Lists (variants, tags) are separated by `|`; a literal `|` is written `\\|`.
Buttons and links are JSON, e.g. [{"title": "查物流", "payload": "/track"}].
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable

from knowledge.types import FaqEntry

from .entry_dict import entry_from_dict, entry_to_dict

__all__ = ["TableLayout", "split_list", "join_list"]

COLUMNS = ("id", "question", "variants", "answer", "category", "tags", "language", "action",
           "handoff", "buttons", "links", "status", "updated_at", "updated_by")
REQUIRED = ("id", "question", "answer")
ALIASES = {"编号": "id", "问题": "question", "标准问题": "question", "相似问法": "variants",
           "相似问题": "variants", "答案": "answer", "分类": "category", "标签": "tags",
           "语言": "language", "动作": "action", "转人工": "handoff", "按钮": "buttons", "链接": "links"}
CHANNEL_PREFIX = "answer:"
_LIST_FIELDS = {"variants", "tags"}
_JSON_FIELDS = {"buttons", "links"}
_TRUE = {"true", "yes", "y", "1", "是", "对"}
_FALSE = {"false", "no", "n", "0", "否", "", "不"}
_SPLIT = re.compile(r"((?:[^|\\]|\\.|\\$)*)(?:\||$)")


def split_list(cell: str) -> list[str]:
    """`a|b\\|c` -> ["a", "b|c"]; a backslash only escapes `|` and itself (so C:\\dir stays)."""
    if not cell.strip():
        return []
    parts = [m.group(1) for m in _SPLIT.finditer(cell) if m.start() < len(cell)]
    return [re.sub(r"\\([|\\])", r"\1", part).strip() for part in parts if part.strip()]


def join_list(items: tuple[str, ...]) -> str:
    return "|".join(item.replace("\\", "\\\\").replace("|", "\\|") for item in items)


class TableLayout:
    """Maps a header row to fields and each following row to an entry."""

    def __init__(self, header: list[str], add_problem: Callable[[str], None]) -> None:
        self.columns: list[str | None] = []
        self.notes: set[int] = set()
        for cell in header:
            name = cell.strip()
            name = ALIASES.get(name, name.lower())
            if name.startswith("#"):
                self.columns.append(None)  # a notes column the import leaves alone
                self.notes.add(len(self.columns) - 1)
                continue
            known = name in COLUMNS or (name.startswith(CHANNEL_PREFIX) and len(name) > len(CHANNEL_PREFIX))
            if not name:
                self.columns.append(None)  # a blank header over an empty column
            elif not known:
                add_problem(f"unknown column {cell!r}; known: {', '.join(COLUMNS)}, answer:<channel>; "
                            "start a header with # to keep a notes column (未知列名)")
                self.columns.append(None)
            elif name in self.columns:
                add_problem(f"column {name!r} appears twice (列名重复)")
                self.columns.append(None)
            else:
                self.columns.append(name)
        missing = [name for name in REQUIRED if name not in self.columns]
        if missing:
            add_problem(f"missing required column(s): {', '.join(missing)} (缺少必填列)")

    def entry(self, cells: list[str], add_problem: Callable[[str], None]) -> FaqEntry | None:
        data: dict[str, Any] = {}
        channel_answers: dict[str, str] = {}
        ok = True
        for index, (name, cell) in enumerate(zip(self.columns, cells)):
            cell = cell.strip().replace("\r\n", "\n")  # CSV from Windows keeps CRLF inside cells
            if index in self.notes:
                continue
            if name is None:
                if cell:
                    add_problem(f"value {cell[:30]!r} in a column without a known header")
                    ok = False
            elif name.startswith(CHANNEL_PREFIX):
                if cell:
                    channel_answers[name[len(CHANNEL_PREFIX):]] = cell
            elif name in _LIST_FIELDS:
                data[name] = split_list(cell)
            elif name in _JSON_FIELDS:
                try:
                    data[name] = json.loads(cell) if cell else []
                except json.JSONDecodeError as exc:
                    add_problem(f"column {name!r} is not valid JSON ({exc.msg}); "
                                'write e.g. [{"title": "...", "payload": "..."}]')
                    ok = False
            elif name == "handoff":
                if cell.lower() not in _TRUE | _FALSE:
                    add_problem(f"column 'handoff' must be true/false (是/否), not {cell!r}")
                    ok = False
                data[name] = cell.lower() in _TRUE
            elif name == "status" and not cell:
                continue  # blank means the default, published
            else:
                data[name] = cell
        if channel_answers:
            data["channel_answers"] = channel_answers
        entry = entry_from_dict(data, add_problem)
        return entry if ok else None

    @staticmethod
    def header_for(entries: list[FaqEntry]) -> list[str]:
        """Required columns, variants and category always; other columns only when used."""
        used = {key for entry in entries for key in entry_to_dict(entry)}
        channels = sorted({ch for entry in entries for ch in entry.channel_answers})
        always = {"id", "question", "variants", "answer", "category"}
        return [c for c in COLUMNS if c in always or c in used] + [CHANNEL_PREFIX + ch for ch in channels]

    @staticmethod
    def cells_for(entry: FaqEntry, header: list[str]) -> list[str]:
        data = entry_to_dict(entry)
        cells = []
        for name in header:
            if name.startswith(CHANNEL_PREFIX):
                cells.append(entry.channel_answers.get(name[len(CHANNEL_PREFIX):], ""))
            elif name in _LIST_FIELDS:
                cells.append(join_list(tuple(data.get(name, ()))))
            elif name in _JSON_FIELDS:
                value = data.get(name)
                cells.append(json.dumps(value, ensure_ascii=False) if value else "")
            elif name == "handoff":
                cells.append("true" if entry.handoff else "")
            else:
                cells.append(str(data.get(name) or ""))
        return cells
