"""What every editor handler shares: the roles, the error type and its JSON form, query parsing."""
from __future__ import annotations

import functools
from typing import Any

from aiohttp import web

from bot.agent_api.auth import guarded
from bot.auth import User

__all__ = ["EDITORS", "EditorError", "editor_route", "int_query", "who"]

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
    """Logged in as editor or admin (CSRF checked on changes); EditorError becomes its JSON answer."""

    @guarded(EDITORS)
    @functools.wraps(handler)
    async def run(request: web.Request, user: User) -> web.StreamResponse:
        try:
            return await handler(request, user)
        except EditorError as exc:
            return exc.response()

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
