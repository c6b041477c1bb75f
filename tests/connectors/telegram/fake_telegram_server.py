"""A local stand-in for the Telegram Bot API: records every call and can answer with errors.

PTB posts form fields (nested objects such as reply_markup as JSON strings) to
`/bot<token>/<method>`; this server answers like Telegram does, including
`429 {"parameters": {"retry_after": n}}` and `403 Forbidden` when a test queues them, and can
hang a call past the client's timeout (`hang`).
"""
from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from typing import Any

from aiohttp import web

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "kefu", "username": "kefu_test_bot"}


class FakeTelegramServer:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []  # every request, errors included
        self.sent: list[dict[str, Any]] = []  # sendMessage calls Telegram accepted
        self.errors: dict[str, list[tuple[int, dict]]] = defaultdict(list)
        self.updates: list[dict[str, Any]] = []
        self._new_update = asyncio.Event()
        self._message_ids = iter(range(1000, 10**9))
        self.hangs: dict[str, list[float]] = defaultdict(list)
        self._released = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_post("/bot{token}/{method}", self._handle)
        self.app.on_shutdown.append(self._release)  # held answers must not delay the test's teardown

    # --- test controls ------------------------------------------------------------------

    def fail(self, method: str, times: int = 1, *, status: int = 429, retry_after: int = 1,
             description: str = "Too Many Requests: retry after 1") -> None:
        """The next `times` calls of `method` get this error instead of success."""
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if status == 429:
            body["parameters"] = {"retry_after": retry_after}
        self.errors[method].extend([(status, body)] * times)

    def hang(self, method: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `method` are carried out, but answered only after `seconds`.

        This is the ambiguous timeout: Telegram did send the message, the client never learns it.
        """
        self.hangs[method].extend([seconds] * times)

    def push_update(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_update.set()

    def called(self, method: str) -> list[dict[str, Any]]:
        return [fields for name, fields in self.calls if name == method]

    # --- the API ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != TOKEN:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        fields = {k: _decode(v) for k, v in (await request.post()).items()}
        self.calls.append((method, fields))
        if self.errors[method]:
            status, body = self.errors[method].pop(0)
            return web.json_response(body, status=status)
        response = await self._answer(method, fields)
        if self.hangs[method]:
            try:
                await asyncio.wait_for(self._released.wait(), self.hangs[method].pop(0))
            except asyncio.TimeoutError:
                pass
        return response

    async def _release(self, _app: web.Application) -> None:
        self._released.set()

    async def _answer(self, method: str, fields: dict[str, Any]) -> web.Response:
        if method == "getUpdates":
            return _ok(await self._get_updates(fields))
        if method == "sendMessage":
            self.sent.append(fields)
            return _ok({"message_id": next(self._message_ids), "date": int(time.time()),
                        "chat": {"id": int(fields["chat_id"]), "type": "private"}, "text": fields["text"]})
        if method == "getMe":
            return _ok(BOT_USER)
        if method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return _ok(True)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)

    async def _get_updates(self, fields: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(fields.get("offset") or 0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending:  # long polling: hold the request until an update comes or the timeout passes
            self._new_update.clear()
            try:
                await asyncio.wait_for(self._new_update.wait(), float(fields.get("timeout") or 0))
            except asyncio.TimeoutError:
                return []
            pending = [u for u in self.updates if u["update_id"] >= offset]
        return pending


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})
