"""The mobile-app channel: a small REST + WebSocket API for a company's own app.

The app's backend mints a short-lived token per signed-in user (see `connectors.app_token`);
the app sends it as `Authorization: Bearer <token>` (or `?token=` on the WebSocket, which
browsers and some app frameworks cannot give headers). The user id comes only from that
verified token, so a customer can only ever reach their own conversation.

Endpoints: `POST /api/app/messages` `{"text", "id"?, "metadata"?}` -> `{"conversation_id",
"replies": [Item]}`; `GET /api/app/conversation` -> `{"conversation_id", "messages": [Item]}`;
`GET /api/app/ws`. Item = `{"id", "author", "text", "buttons": [{"title", "payload"}], "kind",
"created_at"}`. WebSocket frames, client -> server: `{"type": "message", "id", "text"}`;
server -> client: `{"type": "replies", "in_reply_to", "conversation_id", "replies"}`,
`{"type": "message", "conversation_id", "message": Item}` (pushed: agent replies, queue updates),
`{"type": "error", "in_reply_to", "error"}` (the socket stays open). The socket is closed with
4001 when its token expires.

Errors are JSON `{"error": {"code", "message"}}` with a 4xx status (503 when the server has no
secret configured). Everything is also documented in `bot.openapi`.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Awaitable, Callable, Mapping

from aiohttp import WSCloseCode, WSMsgType, web

from bot.errors import InvalidMessage
from bot.messages import Button, InboundMessage, OutboundMessage, TranscriptMessage
from connectors.app_token import CLOCK_SKEW_SECONDS, AppIdentity, AppTokenError, verify_app_token
from connectors.channel import Channel, ChannelContext

__all__ = ["AppApiError", "AppChannel"]

log = logging.getLogger(__name__)

MAX_CLIENT_ID_CHARS = 128  # the engine's limit for message ids
MAX_SOCKETS_PER_USER = 5  # phone + tablet + a few stale reconnects; stops socket hoarding
HEARTBEAT_SECONDS = 30.0
TOKEN_EXPIRED_CLOSE_CODE = 4001  # application-defined range (4000-4999)
MIN_SECRET_CHARS = 32  # a short HS256 secret can be brute-forced offline from any one token

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class AppApiError(Exception):
    """A request the app channel refuses; becomes `{"error": {"code", "message"}}`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message}}

    def response(self) -> web.Response:
        headers = {"WWW-Authenticate": 'Bearer realm="kefu-app"'} if self.status == 401 else None
        return web.json_response(self.body(), status=self.status, headers=headers, dumps=_dumps)


def _guarded(handler: Handler) -> Handler:
    async def run(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except AppApiError as exc:
            return exc.response()

    return run


class AppChannel(Channel):
    name = "app"
    fanout = True

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        # Open WebSockets per app user id, for out-of-band pushes (agent replies, queue updates).
        self._sockets: dict[str, set[web.WebSocketResponse]] = {}
        secret = context.settings.secrets.app_token_secret
        if secret is not None and len(secret.get_secret_value()) < MIN_SECRET_CHARS:
            log.warning("KEFU_APP_TOKEN_SECRET is shorter than %d characters; use a random 32+ byte secret",
                        MIN_SECRET_CHARS)

    def routes(self) -> list[web.AbstractRouteDef]:
        return [
            web.post("/api/app/messages", _guarded(self._post_message)),
            web.get("/api/app/conversation", _guarded(self._get_conversation)),
            web.get("/api/app/ws", _guarded(self._websocket)),
        ]

    async def stop(self) -> None:
        for sockets in list(self._sockets.values()):
            for ws in list(sockets):
                await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")
        self._sockets.clear()

    async def send(self, message: OutboundMessage) -> None:
        """Push to every open socket of the user; without one, the app reads the transcript later."""
        frame = {"type": "message", "conversation_id": message.conversation_id, "message": _reply_json(message)}
        for ws in list(self._sockets.get(message.user_id, ())):
            if ws.closed:
                continue
            try:
                await ws.send_json(frame, dumps=_dumps)
            except ConnectionError:
                log.info("app socket of %s closed while pushing", message.user_id)

    # --- HTTP handlers -------------------------------------------------------------------

    async def _post_message(self, request: web.Request) -> web.Response:
        identity = self._authenticate(request, allow_query=False)
        data = await self._read_json(request)
        inbound = self._inbound(identity, data)
        replies = await self._deliver(inbound)
        return web.json_response(dumps=_dumps, data={
            "conversation_id": await self._conversation_id(identity.user_id, replies),
            "replies": [_reply_json(reply) for reply in replies],
        })

    async def _get_conversation(self, request: web.Request) -> web.Response:
        identity = self._authenticate(request, allow_query=False)
        messages = await self.context.history(self.name, identity.user_id)
        return web.json_response(dumps=_dumps, data={
            "conversation_id": messages[-1].conversation_id if messages else None,
            "messages": [_transcript_json(message) for message in messages],
        })

    async def _websocket(self, request: web.Request) -> web.StreamResponse:
        # Authenticate before the upgrade so a bad token gets a plain JSON 401.
        identity = self._authenticate(request, allow_query=True)
        if len(self._sockets.get(identity.user_id, ())) >= MAX_SOCKETS_PER_USER:
            raise AppApiError(429, "too_many_sockets",
                              f"连接过多 / At most {MAX_SOCKETS_PER_USER} open WebSockets per user; close an old one.")
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_SECONDS,
                                   max_msg_size=self.context.settings.server.max_body_bytes)
        if not ws.can_prepare(request).ok:
            raise AppApiError(400, "not_websocket", "需要 WebSocket 连接 / This endpoint needs a WebSocket upgrade request.")
        await ws.prepare(request)
        sockets = self._sockets.setdefault(identity.user_id, set())
        sockets.add(ws)
        # The socket lives no longer than its token (with the same clock-skew grace as verify):
        # a signed-out or blocked user stops receiving pushes. The app reconnects with a fresh token.
        deadline = identity.expires_at + CLOCK_SKEW_SECONDS
        try:
            while (remaining := deadline - time.time()) > 0:
                try:
                    frame = await ws.receive(timeout=remaining)
                except asyncio.TimeoutError:
                    continue
                if frame.type == WSMsgType.TEXT:
                    await self._on_frame(ws, identity, frame.data)
                elif frame.type == WSMsgType.BINARY:
                    error = AppApiError(400, "bad_frame", "请发送 JSON 文本帧 / Send JSON text frames.")
                    await ws.send_json({"type": "error", "in_reply_to": None} | error.body(), dumps=_dumps)
                elif frame.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
            if not ws.closed:
                await ws.close(code=TOKEN_EXPIRED_CLOSE_CODE, message=b"token expired")
        finally:
            sockets.discard(ws)
            if not sockets:
                self._sockets.pop(identity.user_id, None)
        return ws

    async def _on_frame(self, ws: web.WebSocketResponse, identity: AppIdentity, raw: str) -> None:
        client_id: Any = None
        try:
            data = _parse_object(raw)
            client_id = data.get("id")
            if data.get("type") != "message":
                raise AppApiError(400, "bad_frame", "帧类型必须是 message / Frames must have \"type\": \"message\".")
            replies = await self._deliver(self._inbound(identity, data))
            await ws.send_json({
                "type": "replies",
                "in_reply_to": client_id,
                "conversation_id": await self._conversation_id(identity.user_id, replies),
                "replies": [_reply_json(reply) for reply in replies],
            }, dumps=_dumps)
        except AppApiError as exc:
            await ws.send_json({"type": "error", "in_reply_to": client_id} | exc.body(), dumps=_dumps)

    # --- helpers ------------------------------------------------------------------------

    def _authenticate(self, request: web.Request, *, allow_query: bool) -> AppIdentity:
        secret = self.context.settings.secrets.app_token_secret
        if secret is None or not secret.get_secret_value():
            raise AppApiError(503, "not_configured",
                              "应用渠道未配置 / The app channel is not configured: the server has no KEFU_APP_TOKEN_SECRET.")
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if header and scheme.lower() != "bearer":
            raise AppApiError(401, "invalid_token", "请使用 Bearer 令牌 / Use 'Authorization: Bearer <token>'.")
        if not header and allow_query:
            token = request.query.get("token", "")
        try:
            return verify_app_token(token.strip(), secret.get_secret_value(),
                                    self.context.settings.channels.app.token_max_age_seconds)
        except AppTokenError as exc:
            raise AppApiError(401, "invalid_token", f"令牌无效 / Invalid token: {exc}") from None

    async def _read_json(self, request: web.Request) -> dict[str, Any]:
        # Read by hand with our own limit: the app-wide client_max_size answers 413 in plain text.
        limit = self.context.settings.server.max_body_bytes
        too_large = AppApiError(413, "body_too_large", f"请求体过大 / The request body is larger than {limit} bytes.")
        if request.content_length is not None and request.content_length > limit:
            raise too_large
        body = bytearray()
        async for chunk in request.content.iter_any():
            body.extend(chunk)
            if len(body) > limit:
                raise too_large
        return _parse_object(bytes(body))

    def _inbound(self, identity: AppIdentity, data: Mapping[str, Any]) -> InboundMessage:
        text, client_id, metadata = data.get("text"), data.get("id", ""), data.get("metadata") or {}
        limit = self.context.settings.server.max_message_chars
        if not isinstance(text, str):
            raise AppApiError(400, "missing_text", "缺少 text 字段 / 'text' is required (a string).")
        text = text.strip()
        if not text:
            raise AppApiError(400, "empty_message", "消息为空 / The message is empty.")
        if len(text) > limit:
            raise AppApiError(400, "message_too_long",
                              f"消息超过 {limit} 个字符 / The message is longer than {limit} characters.")
        if not isinstance(client_id, str) or len(client_id) > MAX_CLIENT_ID_CHARS:
            raise AppApiError(400, "bad_message_id",
                              f"id 无效 / 'id' must be a string of at most {MAX_CLIENT_ID_CHARS} characters.")
        if not isinstance(metadata, dict):
            raise AppApiError(400, "bad_metadata", "metadata 必须是对象 / 'metadata' must be an object.")
        if identity.name:  # the verified name wins over anything the client claims
            metadata = {**metadata, "user_name": identity.name}
        return InboundMessage(
            channel=self.name,
            user_id=identity.user_id,
            text=text,
            message_id=client_id,  # the engine scopes dedupe by channel and user, so ids cannot collide
            metadata=metadata,
            language=identity.language,
            person_id=identity.user_id,
            raw=dict(data),
        )

    async def _deliver(self, inbound: InboundMessage) -> list[OutboundMessage]:
        try:
            return await self.context.deliver(inbound)
        except InvalidMessage as exc:
            raise AppApiError(400, exc.code, exc.message) from None
        except Exception:
            # JSON like every other error; the client may resend with the same id safely.
            log.exception("app: delivering a message of %s failed", inbound.user_id)
            raise AppApiError(500, "server_error", "消息处理失败，请重试 / The message could not be processed; resend it with the same id.")

    async def _conversation_id(self, user_id: str, replies: list[OutboundMessage]) -> str | None:
        if replies:
            return replies[0].conversation_id
        # No reply (e.g. waiting for an agent): the stored conversation still has the message.
        messages = await self.context.history(self.name, user_id)
        return messages[-1].conversation_id if messages else None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _parse_object(raw: str | bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise AppApiError(400, "malformed_json", "请求体不是有效的 JSON / The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise AppApiError(400, "malformed_json", "请求体必须是 JSON 对象 / The body must be a JSON object.")
    return data


def _message_json(id: str, author: str, text: str, buttons: tuple[Button, ...], kind: str, created_at) -> dict:
    return {
        "id": id,
        "author": author,
        "text": text,
        "buttons": [{"title": b.title, "payload": b.payload} for b in buttons],
        "kind": kind,
        "created_at": created_at.isoformat(),
    }


def _reply_json(m: OutboundMessage) -> dict[str, Any]:
    return _message_json(m.message_id, m.sender, m.text, m.buttons, m.kind, m.created_at)


def _transcript_json(m: TranscriptMessage) -> dict[str, Any]:
    return _message_json(m.id, m.author, m.text, m.buttons, m.kind, m.created_at)
