"""Local stand-ins for the far side: WeChat's API (token, customer-service messages) and a slow
Rasa action server. Both record what they receive; the WeChat fake can answer with WeChat's
error codes (45015, 40001, 42001, ...), invalidate its token like WeChat does, and hang a call
past the client's timeout (`hang`)."""
from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

from aiohttp import web

APP_ID = "wx49f0ab532d5d035a"
APP_SECRET = "fake-app-secret-0123456789abcdef"


class FakeWeChatServer:
    def __init__(self, app_id: str = APP_ID, secret: str = APP_SECRET) -> None:
        self.app_id, self.secret = app_id, secret
        self.token_fetches = 0
        self.current_token = ""
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (path, body), errors included
        self.sent: list[dict[str, Any]] = []  # customer-service messages WeChat accepted
        self.errors: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.hangs: dict[str, list[float]] = defaultdict(list)
        self._released = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_get("/cgi-bin/token", self._token)
        self.app.router.add_post("/cgi-bin/message/custom/send", self._custom_send)
        self.app.on_shutdown.append(self._release)  # held answers must not delay the test's teardown

    def hang(self, path: str, seconds: float, times: int = 1) -> None:
        """The next `times` calls of `path` are carried out, but answered only after `seconds`:
        WeChat sent the message, the client never learns it (the ambiguous timeout)."""
        self.hangs[path].extend([seconds] * times)

    async def _release(self, _app: web.Application) -> None:
        self._released.set()

    async def _hold(self, path: str) -> None:
        if self.hangs[path]:
            try:
                await asyncio.wait_for(self._released.wait(), self.hangs[path].pop(0))
            except asyncio.TimeoutError:
                pass

    def fail(self, path: str, errcode: int, errmsg: str = "error", times: int = 1) -> None:
        self.errors[path].extend([(errcode, errmsg)] * times)

    def expire_token(self) -> None:
        """WeChat ends the token early (another fetch elsewhere, or a reset): calls get 40001."""
        self.current_token = "expired-" + self.current_token

    def texts_to(self, openid: str) -> list[str]:
        return [m["text"]["content"] for m in self.sent if m["touser"] == openid]

    async def _token(self, request: web.Request) -> web.Response:
        q = request.query
        if q.get("appid") != self.app_id or q.get("secret") != self.secret or q.get("grant_type") != "client_credential":
            return web.json_response({"errcode": 40125, "errmsg": "invalid appsecret"})
        self.token_fetches += 1
        self.current_token = f"ACCESS_TOKEN_{self.token_fetches}"  # a new token invalidates the old one
        return web.json_response({"access_token": self.current_token, "expires_in": 7200})

    async def _custom_send(self, request: web.Request) -> web.Response:
        body = json.loads(await request.text())
        self.calls.append(("message/custom/send", body))
        if request.query.get("access_token") != self.current_token:
            return _err(40001, "invalid credential, access_token is invalid or not latest")
        if self.errors["message/custom/send"]:
            return _err(*self.errors["message/custom/send"].pop(0))
        self.sent.append(body)
        await self._hold("message/custom/send")
        return _err(0, "ok")


class GatedActionServer:
    """A Rasa action server whose answer waits until the test opens the gate: a slow answer on demand."""

    def __init__(self, text: str = "您的订单已发货，预计明天送达。") -> None:
        self.text = text
        self.gate = asyncio.Event()
        self.requests: list[dict[str, Any]] = []
        self.app = web.Application()
        self.app.router.add_post("/webhook", self._webhook)

    async def _webhook(self, request: web.Request) -> web.Response:
        self.requests.append(await request.json())
        await self.gate.wait()
        return web.json_response({"events": [], "responses": [{"text": self.text}]})


def _err(code: int, message: str) -> web.Response:
    return web.json_response({"errcode": code, "errmsg": message})
