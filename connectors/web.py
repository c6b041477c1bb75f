"""The web chat channel: the embeddable widget, its demo page and the widget's WebSocket.

Routes: ``GET /`` demo shop page, ``GET /widget.js`` and ``GET /widget.css`` (the widget; a page
embeds it with one ``<script src="/widget.js"></script>``), ``GET /ws`` the chat socket.

Protocol: JSON text frames on ``/ws?visitor=<id>&lang=zh|en``.

The visitor id is a bearer secret (``secrets.token_urlsafe(18)``, 24 characters): whoever holds it
reads that conversation, so ids are never listed, and a missing or malformed one is replaced by a
fresh random id rather than trusted.

Server -> client::

    {"type": "welcome", "visitor": id, "max_chars": n}  always first; the client stores `visitor`
    {"type": "history", "messages": [Item, ...]}         the conversation so far, oldest first
    {"type": "typing", "on": true|false}                 the bot is working on an answer
    {"type": "ack", "id": client_id}                     the message is stored: stop resending it
    {"type": "message", **Item}                          a reply, an agent's message, or the
                                                         visitor's own message sent from another tab
    {"type": "error", "code": code, "message": "中文 / English", "id": client_id | null}

    Item = {"id", "author": "customer"|"bot"|"agent"|"system", "text",
            "buttons": [{"title", "payload"}], "kind", "created_at" (ISO 8601), "client_id"}

Client -> server::

    {"type": "message", "id": client_id, "text": str, "title": str?, "lang": "zh"|"en"?}

``id`` (8-64 of ``[A-Za-z0-9_-]``, a uuid) is the dedupe key: a resend after a reconnect is not
processed twice. ``title`` is the button title when ``text`` is a button's payload. ``lang`` is the
current UI language (the connect-time ``lang`` otherwise).

Error codes: ``bad_json``, ``bad_frame``, ``unknown_type``, ``bad_id``, ``empty``, ``too_long``,
``server_error``. After an error the socket stays open and nothing is stored. A frame larger than
``server.max_body_bytes`` closes the socket with 1009 (the widget reconnects).
"""
from __future__ import annotations

import functools
import json
import logging
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from bot.errors import InvalidMessage
from bot.messages import Button, InboundMessage, OutboundMessage, TranscriptMessage, utcnow
from connectors.app_token import AppTokenError, verify_app_token
from connectors.channel import Channel, ChannelContext

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).parent / "static"
_VISITOR_RE = re.compile(r"[A-Za-z0-9_-]{24}")
_CLIENT_ID_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
_LANGUAGES = ("zh", "en")
# Explicit charset: the widget is embedded on pages that may be GBK-encoded.
_STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/widget.js": ("widget.js", "text/javascript; charset=utf-8"),
    "/widget.css": ("widget.css", "text/css; charset=utf-8"),
}
_ERRORS = {
    "bad_json": "消息格式错误（不是 JSON） / The frame is not valid JSON",
    "bad_frame": "消息格式错误 / The frame must be a JSON object with a \"type\"",
    "unknown_type": "不支持的消息类型 / Unknown frame type",
    "bad_id": "消息缺少有效的 id / The message needs a valid \"id\"",
    "empty": "消息不能为空 / The message is empty",
    "too_long": "消息太长 / The message is too long",
    "server_error": "服务暂时出错，请稍后再试 / Something went wrong, please try again",
}
_dumps = functools.partial(json.dumps, ensure_ascii=False)


class FrameError(Exception):
    """A client frame that is refused; `code` is one of `_ERRORS`."""

    def __init__(self, code: str, client_id: str | None = None, message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.client_id = client_id
        self.message = message or _ERRORS[code]


def _buttons(buttons: tuple[Button, ...]) -> list[dict[str, str]]:
    return [{"title": b.title, "payload": b.payload} for b in buttons]


def transcript_item(message: TranscriptMessage) -> dict[str, Any]:
    # The engine keeps what we passed as InboundMessage.metadata under "channel_metadata".
    ours = message.metadata.get("channel_metadata") or {}
    return {
        "id": message.id,
        "author": message.author,
        # A button press is stored as its payload; the customer saw (and sees again) its title.
        "text": ours.get("button_title") or message.text,
        "buttons": _buttons(message.buttons),
        "kind": message.kind,
        "created_at": _iso(message.created_at),
        # Lets a reconnecting widget see which of its unacknowledged messages were stored.
        "client_id": str(ours.get("client_id", "")),
    }


def _iso(when: datetime) -> str:
    # SQLite hands back naive datetimes; they are UTC, and the browser must not read them as local.
    return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).isoformat()


def outbound_frame(message: OutboundMessage) -> dict[str, Any]:
    return {
        "type": "message",
        "id": message.message_id,
        "author": message.sender,
        "text": message.text,
        "buttons": _buttons(message.buttons),
        "kind": message.kind,
        "created_at": _iso(message.created_at),
        "client_id": "",
    }


class WebChannel(Channel):
    name = "web"
    fanout = True

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        # Verified company ids of logged-in visitors (from the widget's data-identity token).
        self._persons: dict[str, str] = {}
        # Open sockets per visitor: one visitor may have several tabs.
        self._sockets: dict[str, set[web.WebSocketResponse]] = {}

    def routes(self) -> list[web.AbstractRouteDef]:
        static = [web.get(path, self._static) for path in _STATIC_FILES]
        return [*static, web.get("/ws", self._websocket)]

    async def stop(self) -> None:
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")

    async def send(self, message: OutboundMessage) -> None:
        await self._broadcast(message.user_id, outbound_frame(message))

    async def _static(self, request: web.Request) -> web.StreamResponse:
        filename, content_type = _STATIC_FILES[request.path]
        headers = {"Content-Type": content_type, "Cache-Control": "no-cache"}
        return web.FileResponse(STATIC_DIR / filename, headers=headers)

    def _origin_allowed(self, request: web.Request) -> bool:
        allowed = self.context.settings.server.allowed_origins
        origin = request.headers.get("Origin")
        if not allowed or origin is None:
            return True
        return origin in allowed or origin == f"{request.scheme}://{request.host}"

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        if not self._origin_allowed(request):
            raise web.HTTPForbidden(text="origin not allowed / 不允许的来源网站")
        settings = self.context.settings
        ws = web.WebSocketResponse(max_msg_size=settings.server.max_body_bytes, heartbeat=30)
        await ws.prepare(request)
        visitor = request.query.get("visitor", "")
        if not _VISITOR_RE.fullmatch(visitor):
            visitor = secrets.token_urlsafe(18)
        lang = self._language(request.query.get("lang"))
        person = self._verified_person(request.query.get("identity", ""))
        if person:
            self._persons[visitor] = person
        self._sockets.setdefault(visitor, set()).add(ws)
        try:
            await self._send(ws, {"type": "welcome", "visitor": visitor, "max_chars": settings.server.max_message_chars})
            try:
                history = await self.context.history(self.name, visitor)
            except Exception:  # e.g. the database is down: say so; the widget retries with backoff
                log.exception("web: loading the history of a visitor failed")
                await self._send(ws, {"type": "error", "code": "server_error", "message": _ERRORS["server_error"], "id": None})
                await ws.close(code=WSCloseCode.INTERNAL_ERROR)
                return ws
            await self._send(ws, {"type": "history", "messages": [transcript_item(m) for m in history]})
            async for frame in ws:
                if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    await self._handle(ws, visitor, lang, frame)
                except FrameError as exc:
                    await self._send(ws, {"type": "error", "code": exc.code, "message": exc.message, "id": exc.client_id})
        finally:
            sockets = self._sockets.get(visitor, set())
            sockets.discard(ws)
            if not sockets:
                self._sockets.pop(visitor, None)
                self._persons.pop(visitor, None)
        return ws

    def _verified_person(self, token: str) -> str:
        """The company's id of a logged-in shopper, from a token its backend signed (as for the app
        channel, with KEFU_APP_TOKEN_SECRET); "" for anonymous visitors or a token that fails."""
        secret = self.context.settings.secrets.app_token_secret
        if not token or secret is None:
            return ""
        try:
            identity = verify_app_token(
                token, secret.get_secret_value(), self.context.settings.channels.app.token_max_age_seconds
            )
        except AppTokenError as exc:
            log.info("web: identity token refused (%s); the visitor stays anonymous", exc)
            return ""
        return identity.user_id

    def _language(self, value: Any) -> str:
        return value if value in _LANGUAGES else self.context.settings.dialogue.default_language

    def _parse(self, frame: Any) -> dict[str, Any]:
        if frame.type != WSMsgType.TEXT:
            raise FrameError("bad_frame")
        try:
            data = json.loads(frame.data)
        except ValueError:
            raise FrameError("bad_json") from None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise FrameError("bad_frame")
        if data["type"] != "message":
            raise FrameError("unknown_type")
        client_id = data.get("id")
        if not isinstance(client_id, str) or not _CLIENT_ID_RE.fullmatch(client_id):
            raise FrameError("bad_id")
        text, title = data.get("text"), data.get("title", "")
        if not isinstance(text, str) or not isinstance(title, str):
            raise FrameError("bad_frame", client_id)
        text, title = text.strip(), title.strip()
        if not text:
            raise FrameError("empty", client_id)
        limit = self.context.settings.server.max_message_chars
        if len(text) > limit or len(title) > limit:
            raise FrameError("too_long", client_id)
        return {"id": client_id, "text": text, "title": title, "lang": data.get("lang")}

    async def _handle(self, ws: web.WebSocketResponse, visitor: str, lang: str, frame: Any) -> None:
        data = self._parse(frame)
        client_id = data["id"]
        inbound = InboundMessage(
            channel=self.name,
            user_id=visitor,
            text=data["text"],
            message_id=client_id,
            language=self._language(data["lang"]) if data["lang"] else lang,
            person_id=self._persons.get(visitor, ""),
            metadata={"client_id": client_id, **({"button_title": data["title"]} if data["title"] else {})},
            raw={"type": "message", "id": client_id, "text": data["text"], "title": data["title"]},
        )
        await self._broadcast(visitor, {"type": "typing", "on": True})
        try:
            replies = await self.context.deliver(inbound)
        except InvalidMessage as exc:  # the engine's own checks; already bilingual
            await self._broadcast(visitor, {"type": "typing", "on": False})
            raise FrameError(exc.code, client_id, exc.message) from None
        except Exception:
            log.exception("web: delivering message %s failed", client_id)
            await self._broadcast(visitor, {"type": "typing", "on": False})
            raise FrameError("server_error", client_id) from None
        await self._send(ws, {"type": "ack", "id": client_id})
        own = {
            "type": "message", "id": client_id, "author": "customer", "text": data["title"] or data["text"],
            "buttons": [], "kind": "text", "created_at": utcnow().isoformat(), "client_id": client_id,
        }
        await self._broadcast(visitor, own, skip=ws)
        for reply in replies:
            await self._broadcast(visitor, outbound_frame(reply))
        await self._broadcast(visitor, {"type": "typing", "on": False})

    async def _broadcast(self, visitor: str, frame: dict[str, Any], skip: web.WebSocketResponse | None = None) -> None:
        for ws in list(self._sockets.get(visitor, ())):
            if ws is not skip:
                await self._send(ws, frame)

    @staticmethod
    async def _send(ws: web.WebSocketResponse, frame: dict[str, Any]) -> None:
        # A tab that went away mid-answer must not break delivery to the others; the
        # message is stored and comes back with the history on its next connect.
        if ws.closed:
            return
        try:
            await ws.send_str(_dumps(frame))
        except (ConnectionError, RuntimeError):
            log.debug("web: socket closed while sending", exc_info=True)
