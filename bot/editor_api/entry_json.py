"""FAQ entries as the editor API sends and receives them, with every problem of a body reported at once."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from aiohttp import web

from bot.editor_api.http import EditorError
from bot.storage.times import iso
from connectors.http_errors import read_json_object
from knowledge.entry_diff import content_of
from knowledge.formats import entry_from_dict, entry_problems
from knowledge.tables import ID_LENGTH, NAME_LENGTH
from knowledge.types import FaqEntry

__all__ = ["entry_view", "entry_from_body", "read_body", "CONTENT_FIELDS"]

CONTENT_FIELDS = ("id", "question", "variants", "answer", "buttons", "links", "channel_answers", "category",
                  "tags", "language", "action", "handoff")
_READ_ONLY = ("status", "updated_at", "updated_by")
_ID = re.compile(r"^[^\s/?#%\\]+$")  # ids travel in URLs: no spaces, slashes or escapes
_LIMITS = {"id": ID_LENGTH, "category": NAME_LENGTH, "action": NAME_LENGTH, "language": 16}
_MAX_TEXT = 20_000
_MAX_ITEMS = 500


def entry_view(entry: FaqEntry | None) -> dict[str, Any] | None:
    if entry is None:
        return None
    return content_of(entry) | {"status": entry.status, "updated_at": iso(entry.updated_at),
                                "updated_by": entry.updated_by}


async def read_body(request: web.Request) -> dict[str, Any]:
    try:
        return await read_json_object(request)
    except web.HTTPException as exc:  # its text is already our JSON error
        raise EditorError(exc.status, "malformed_json" if exc.status == 400 else "body_too_large",
                          "请求体不是有效的 JSON 对象 / The body is not a valid JSON object." if exc.status == 400
                          else "请求体过大 / The request body is too large.") from None


def entry_from_body(data: Any, entry_id: str | None = None) -> FaqEntry:
    """A draft entry from a request body; EditorError(400) naming every wrong field."""
    if not isinstance(data, dict):
        raise EditorError(400, "invalid_entry", "条目必须是 JSON 对象 / The entry must be a JSON object.")
    problems: list[dict[str, str]] = []

    def add(where: str, message: str) -> None:
        problems.append({"where": where, "message": message})

    for key in data:
        if key in _READ_ONLY:
            add(key, f"{key} 由系统维护，不能修改 / {key} is kept by the system and cannot be set")
        elif key not in CONTENT_FIELDS:
            add(key, f"未知字段 / unknown field; known: {', '.join(CONTENT_FIELDS)}")
    content = {k: v for k, v in data.items() if k in CONTENT_FIELDS}
    if entry_id is not None:
        if "id" in content and content["id"] != entry_id:
            add("id", "编号不能修改；请新建条目再删除旧条目 / the id cannot change; create a new entry and delete this one")
        content["id"] = entry_id
    for key, value in content.items():
        if isinstance(value, str) and len(value) > _LIMITS.get(key, _MAX_TEXT):
            add(key, f"太长（最多 {_LIMITS.get(key, _MAX_TEXT)} 个字符）/ too long (at most {_LIMITS.get(key, _MAX_TEXT)} characters)")
        if isinstance(value, list) and len(value) > _MAX_ITEMS:
            add(key, f"最多 {_MAX_ITEMS} 项 / at most {_MAX_ITEMS} items")
    entry = entry_from_dict(content, lambda message: add("", message))
    if entry is not None:
        entry = replace(entry, status="draft")
        for message in entry_problems(entry):
            add("", message)
        if entry.id and not _ID.match(entry.id):
            add("id", "编号不能包含空格、/ ? # % \\ / the id may not contain spaces, / ? # % or \\")
    if problems or entry is None:
        raise EditorError(400, "invalid_entry", "条目有误，请修改后再保存 / The entry has problems; fix them and save again.",
                          problems)
    return entry
