"""JSON: the shared datasets' layout `[{"id", "question", "variants", "answer", "intent"}]`.

Our optional fields (category, tags, language, buttons, links, channel_answers, action, handoff,
status, updated_at, updated_by) may be added to any entry; see `entry_dict.FIELDS`.
"""
from __future__ import annotations

import json
from pathlib import Path

from knowledge.types import FaqEntry

from .entry_dict import entry_from_dict, entry_to_dict
from .errors import FaqImportError, ProblemList
from .files import atomic_write, read_text
from .validation import EntryChecker

__all__ = ["read_json", "write_json"]


def read_json(path: Path) -> list[FaqEntry]:
    text = read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FaqImportError.single(
            path, f"not valid JSON: {exc.msg} (JSON 格式错误)", f"line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, list):
        raise FaqImportError.single(path, "the top level must be a list of entries [{...}, ...] (顶层必须是列表)")
    problems = ProblemList(path)
    checker = EntryChecker(problems)
    for index, item in enumerate(data, start=1):
        where = _where(index, item)
        entry = entry_from_dict(item, lambda message, where=where: problems.add(where, message))
        if entry is not None:
            checker.add(where, entry)
    problems.raise_if_any()
    return checker.entries


def _where(index: int, item: object) -> str:
    entry_id = item.get("id", item.get("intent")) if isinstance(item, dict) else None
    return f"entry {index} (id {entry_id!r})" if entry_id not in (None, "") else f"entry {index}"


def write_json(path: Path, entries: list[FaqEntry]) -> None:
    data = [entry_to_dict(entry) for entry in entries]
    # Chinese stays readable in the file; one field per line diffs well under version control.
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
