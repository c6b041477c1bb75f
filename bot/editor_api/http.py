"""What every editor handler shares: the roles, the error type and its JSON form, query parsing,
and optimistic locking (the `base_revision` an edit names, and the answer when the store refuses it).

Why a `base_revision` in the JSON body (and `?base_revision=` on DELETE) rather than ETag / If-Match:
the resource a client reads is `{id, draft, live}` while an edit replaces only the draft, so a
representation hash would be an invented token anyway; a revision number is the one the history
already shows ("revision 7 by li"), survives JSON round trips in any client without header access,
and lets the store tell "stale" (someone else changed it) from "garbled" (no such revision).
"""
from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from bot.agent_api.auth import guarded
from bot.auth import User
from bot.storage.times import iso
from knowledge.faq_history import EditRefused

__all__ = ["EDITORS", "EditorError", "editor_route", "int_query", "who", "base_revision", "refusal_error"]

_MAX_REVISION = 2**31 - 1  # the history's revision column is a 32-bit integer on PostgreSQL
# What someone else did, for the 409 message: (Chinese, English).
_CHANGES = {
    "save": ("保存了草稿", "saved a draft of it"), "rollback": ("恢复了旧版本", "restored an old version of it"),
    "accept_misses": ("加入了未解答的问题", "added missed questions to it"),
    "discard_draft": ("放弃了草稿", "discarded its draft"), "delete": ("删除了它", "deleted it"),
    "import": ("导入了新内容", "imported new content for it"),
}

EDITORS = ("editor", "admin")


class EditorError(Exception):
    """A request the editor API refuses; `problems` lists what is wrong, field by field or row by row."""

    def __init__(self, status: int, code: str, message: str, problems: list[dict[str, str]] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.problems = problems or []
        self.extra = extra

    def response(self) -> web.Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.problems:
            error["problems"] = self.problems
        return web.json_response({"error": error | self.extra}, status=self.status)


def editor_route(handler):
    """Logged in as editor or admin (CSRF checked on changes); EditorError and the store's
    EditRefused become their JSON answer."""

    @guarded(EDITORS)
    @functools.wraps(handler)
    async def run(request: web.Request, user: User) -> web.StreamResponse:
        try:
            return await handler(request, user)
        except EditorError as exc:
            return exc.response()
        except EditRefused as exc:
            return refusal_error(exc).response()

    return run


def int_query(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise EditorError(400, f"bad_{name}", f"{name} 必须是 {low} 到 {high} 的整数 / {name} must be a whole number from {low} to {high}.")
    return value


def who(user: User) -> str:
    """How the audit log and the history name an editor."""
    return user.username


def base_revision(value: Any, required: bool = False) -> int | None:
    """The revision an edit is based on, from a body field or a query parameter (a string).

    Optional on the routes that existed before it (a client that does not send it gets the old
    last-write-wins behaviour); the editor UI always sends it, and new routes require it."""
    if value is None or value == "":
        if required:
            raise EditorError(400, "missing_base_revision", "请提供 base_revision（打开条目时读到的 revision）/ "
                                                            "Send base_revision: the revision you read the entry at.")
        return None
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_REVISION:
        raise EditorError(400, "bad_base_revision", "base_revision 必须是读取条目时得到的 revision（非负整数）/ "
                                                    "base_revision must be the revision you read the entry at (a whole number).")
    return value


def refusal_error(exc: EditRefused) -> EditorError:
    """The API's answer to an edit the store refused; a stale edit says who changed what, when,
    and what to do."""
    entry_id = exc.entry_id
    if exc.reason == "missing":
        return EditorError(404, "not_found", f"没有这个条目 / No entry {entry_id!r}.")
    if exc.reason == "exists":
        return EditorError(409, "exists", f"编号 {entry_id!r} 已存在 / An entry {entry_id!r} already exists.",
                           current_revision=exc.current_revision)
    if exc.reason == "no_draft":
        return EditorError(409, "no_draft", f"条目 {entry_id!r} 没有未发布的草稿 / Entry {entry_id!r} has no unpublished draft to discard.",
                           current_revision=exc.current_revision)
    if exc.reason == "unknown_base":
        return EditorError(400, "bad_base_revision",
                           f"条目 {entry_id!r} 没有第 {exc.base_revision} 版，请重新加载 / Entry {entry_id!r} has no revision "
                           f"{exc.base_revision} (the latest is {exc.current_revision}); reload it.")
    change = exc.latest
    extra: dict[str, Any] = {"entry_id": entry_id, "base_revision": exc.base_revision,
                             "current_revision": exc.current_revision}
    if change is None:  # two edits raced for a new row; the other one's history is not there yet
        who_zh, who_en = "其他人刚刚修改了它", "someone else changed it a moment ago"
    else:
        at = change.changed_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        zh, en = _CHANGES.get(change.change, (change.change, change.change))
        who_zh, who_en = f"{change.changed_by} 于 {at} {zh}（第 {change.revision} 版）", \
            f"{change.changed_by} {en} at {at} (revision {change.revision})"
        extra |= {"changed_by": change.changed_by, "changed_at": iso(change.changed_at),
                  "change": change.change, "deleted": change.change == "delete"}
    return EditorError(
        409, "edit_conflict",
        f"在您打开条目 {entry_id!r} 之后，{who_zh}。您的修改没有保存：请重新加载最新版本，对比后重新应用您的修改。"
        f" / After you opened entry {entry_id!r}, {who_en}. Your changes were not saved: reload the latest "
        f"version, compare, and apply your changes again.", **extra)
