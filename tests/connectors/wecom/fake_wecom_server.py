"""A local stand-in for WeCom's kf API: serves messages to sync_msg page by page (the cursor is
an index), records send_msg / service_state calls, can answer with WeCom's error codes and hang a call past
the client's timeout (`hang`)."""
from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

from aiohttp import web

CORP_ID = "ww6a6d4d5d3c2b1a00"
CORP_SECRET = "fake-kf-secret-0123456789abcdef"


class FakeWeComServer:
    def __init__(self, page_size: int = 2) -> None:
        self.page_size = page_size
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)  # open_kfid -> every message so far
        self.states: dict[tuple[str, str], int] = {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.sent: list[dict[str, Any]] = []
        self.errors: dict[str, list[int]] = defaultdict(list)
        self.token_fetches = 0
        self.hangs: dict[str, list[float]] = defaultdict(list)
        self._released = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_get("/cgi-bin/gettoken", self._token)
        self.app.router.add_post("/cgi-bin/kf/{action:.+}", self._kf)
        self.app.on_shutdown.append(self._release)  # held answers must not delay the test's teardown

    def hang(self, path: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `path` (e.g. "kf/send_msg") are carried out, but answered only
        after `seconds`: WeCom did the work, the client never learns it (the ambiguous timeout)."""
        self.hangs[path].extend([seconds] * times)

    async def _release(self, _app: web.Application) -> None:
        self._released.set()

    def fail(self, path: str, errcode: int, times: int = 1) -> None:
        self.errors[path].extend([errcode] * times)

    def called(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in self.calls if p == path]

    def texts_to(self, external: str) -> list[str]:
        return [m["text"]["content"] if m["msgtype"] == "text" else m["msgmenu"]["head_content"]
                for m in self.sent if m["touser"] == external]

    async def _token(self, request: web.Request) -> web.Response:
        if request.query.get("corpid") != CORP_ID or request.query.get("corpsecret") != CORP_SECRET:
            return web.json_response({"errcode": 40001, "errmsg": "invalid secret"})
        self.token_fetches += 1
        return web.json_response({"errcode": 0, "errmsg": "ok", "access_token": f"KF_TOKEN_{self.token_fetches}", "expires_in": 7200})

    async def _kf(self, request: web.Request) -> web.Response:
        path = "kf/" + request.match_info["action"]
        body = json.loads(await request.text())
        self.calls.append((path, body))
        if request.query.get("access_token") != f"KF_TOKEN_{self.token_fetches}":
            return _answer(40014, "invalid access_token")
        if self.errors[path]:
            return _answer(self.errors[path].pop(0), "error")
        response = self._carry_out(path, body)
        if self.hangs[path]:
            try:
                await asyncio.wait_for(self._released.wait(), self.hangs[path].pop(0))
            except asyncio.TimeoutError:
                pass
        return response

    def _carry_out(self, path: str, body: dict[str, Any]) -> web.Response:
        if path == "kf/sync_msg":
            kfid, start = body["open_kfid"], int(body.get("cursor") or 0)
            page = self.messages[kfid][start:start + self.page_size]
            end = start + len(page)
            return _answer(0, "ok", next_cursor=str(end), has_more=int(end < len(self.messages[kfid])), msg_list=page)
        if path == "kf/send_msg":
            self.sent.append(body)
            return _answer(0, "ok", msgid=body.get("msgid", ""))
        if path == "kf/service_state/get":
            return _answer(0, "ok", service_state=self.states.get((body["open_kfid"], body["external_userid"]), 1),
                           servicer_userid="")
        if path == "kf/service_state/trans":
            self.states[(body["open_kfid"], body["external_userid"])] = body["service_state"]
            return _answer(0, "ok", msg_code="")
        return _answer(404, "no such API")


def _answer(code: int, message: str, **fields: Any) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message, **fields})
