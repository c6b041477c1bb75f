"""The app channel through real HTTP and WebSockets (aiohttp test client), with a fake engine
behind `deliver`/`history` so the channel's own behaviour is what is tested."""
from __future__ import annotations

import itertools
import time
from pathlib import Path

import aiohttp
import pytest
from aiohttp import WSCloseCode, WSMsgType, web

from bot.errors import InvalidMessage
from bot.messages import Button, InboundMessage, OutboundMessage, TranscriptMessage
from bot.openapi import build_openapi
from bot.settings import load_settings
from connectors.app_api import MAX_SOCKETS_PER_USER, TOKEN_EXPIRED_CLOSE_CODE, AppChannel
from connectors.app_token import CLOCK_SKEW_SECONDS, mint_app_token
from connectors.channel import ChannelContext

SECRET = "app-channel-test-secret-0123456789abcdef"


class FakeEngine:
    """Echoes every message, keeps one conversation per (channel, user), dedupes by message id."""

    def __init__(self) -> None:
        self.received: list[InboundMessage] = []
        self.transcripts: dict[tuple[str, str], list[TranscriptMessage]] = {}
        self.replied: dict[tuple[str, str], list[OutboundMessage]] = {}
        self.fail_with: Exception | None = None
        self._ids = itertools.count(1)

    async def deliver(self, msg: InboundMessage) -> list[OutboundMessage]:
        if self.fail_with:
            raise self.fail_with
        if msg.message_id and (msg.user_id, msg.message_id) in self.replied:
            return self.replied[(msg.user_id, msg.message_id)]
        self.received.append(msg)
        conv = f"conv-{msg.user_id}"
        log = self.transcripts.setdefault((msg.channel, msg.user_id), [])
        log.append(TranscriptMessage(f"m{next(self._ids)}", conv, "customer", msg.text, msg.channel))
        reply = OutboundMessage(msg.channel, msg.user_id, conv, f"echo: {msg.text}",
                                buttons=(Button("人工", "/handoff"),), message_id=f"m{next(self._ids)}", kind="answer")
        log.append(TranscriptMessage(reply.message_id, conv, "bot", reply.text, msg.channel, reply.buttons, "answer"))
        self.replied[(msg.user_id, msg.message_id)] = [reply]
        return [reply]

    async def history(self, channel: str, user_id: str) -> list[TranscriptMessage]:
        return list(self.transcripts.get((channel, user_id), []))


def _settings(tmp_path: Path, secret: str | None = SECRET):
    env = {"KEFU_SERVER__DATA_DIR": str(tmp_path), "KEFU_SERVER__MAX_MESSAGE_CHARS": "50",
           "KEFU_SERVER__MAX_BODY_BYTES": "2048"}
    return load_settings(None, env | ({"KEFU_APP_TOKEN_SECRET": secret} if secret else {}))


async def _serve(aiohttp_client, tmp_path: Path, secret: str | None = SECRET):
    engine = FakeEngine()
    channel = AppChannel(ChannelContext(_settings(tmp_path, secret), engine.deliver, engine.history))
    app = web.Application()
    app.router.add_routes(channel.routes())
    app.on_shutdown.append(lambda _app: channel.stop())
    return await aiohttp_client(app), channel, engine


@pytest.fixture
async def served(aiohttp_client, tmp_path: Path):
    return await _serve(aiohttp_client, tmp_path)


def _auth(user: str = "alice", **claims) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_app_token(SECRET, user, 300, **claims)}"}


async def test_message_gets_replies_for_the_token_user(served) -> None:
    client, _, engine = served
    response = await client.post("/api/app/messages", headers=_auth(name="小王", lang="zh"),
                                 json={"text": " 运费多少？ ", "id": "c-1", "metadata": {"user_name": "mallory", "screen": "cart"}})
    assert response.status == 200
    body = await response.json()
    assert body["conversation_id"] == "conv-alice"
    [reply] = body["replies"]
    assert reply["author"] == "bot" and reply["text"] == "echo: 运费多少？" and reply["kind"] == "answer"
    assert reply["buttons"] == [{"title": "人工", "payload": "/handoff"}]
    assert set(reply) == {"id", "author", "text", "buttons", "kind", "created_at"}
    [inbound] = engine.received
    assert (inbound.channel, inbound.user_id, inbound.message_id, inbound.language) == ("app", "alice", "c-1", "zh")
    # The verified name wins over what the client claims; other metadata passes through.
    assert inbound.metadata == {"user_name": "小王", "screen": "cart"}


async def test_resent_message_id_returns_the_same_replies(served) -> None:
    client, _, engine = served
    first = await (await client.post("/api/app/messages", headers=_auth(), json={"text": "hi", "id": "c-9"})).json()
    again = await (await client.post("/api/app/messages", headers=_auth(), json={"text": "hi", "id": "c-9"})).json()
    assert first == again and len(engine.received) == 1


async def test_customers_only_read_their_own_conversation(served) -> None:
    client, _, _ = served
    await client.post("/api/app/messages", headers=_auth("alice"), json={"text": "alice secret"})
    await client.post("/api/app/messages", headers=_auth("bob"), json={"text": "bob question"})
    body = await (await client.get("/api/app/conversation", headers=_auth("bob"))).json()
    assert body["conversation_id"] == "conv-bob"
    assert [m["text"] for m in body["messages"]] == ["bob question", "echo: bob question"]
    assert [m["author"] for m in body["messages"]] == ["customer", "bot"]
    empty = await (await client.get("/api/app/conversation", headers=_auth("carol"))).json()
    assert empty == {"conversation_id": None, "messages": []}


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer "},
    {"Authorization": "Basic YWxpY2U6cHc="},
    {"Authorization": f"Bearer {mint_app_token('wrong-secret-but-long-enough-0123456789', 'alice', 300)}"},
    {"Authorization": f"Bearer {mint_app_token(SECRET, 'alice', 300, now=1_000_000_000)}"},
])
async def test_bad_or_missing_tokens_get_401(served, headers: dict[str, str]) -> None:
    client, _, engine = served
    for response in (await client.post("/api/app/messages", headers=headers, json={"text": "hi"}),
                     await client.get("/api/app/conversation", headers=headers)):
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "invalid_token"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert engine.received == []


async def test_query_token_is_only_for_the_websocket(served) -> None:
    client, _, _ = served
    token = mint_app_token(SECRET, "alice", 300)
    response = await client.post(f"/api/app/messages?token={token}", json={"text": "hi"})
    assert response.status == 401


async def test_without_a_secret_every_endpoint_answers_503(aiohttp_client, tmp_path: Path) -> None:
    client, _, engine = await _serve(aiohttp_client, tmp_path, secret=None)
    headers = _auth()
    for response in (await client.post("/api/app/messages", headers=headers, json={"text": "hi"}),
                     await client.get("/api/app/conversation", headers=headers),
                     await client.get("/api/app/ws", headers=headers)):
        assert response.status == 503
        error = (await response.json())["error"]
        assert error["code"] == "not_configured" and "KEFU_APP_TOKEN_SECRET" in error["message"]
    assert engine.received == []


@pytest.mark.parametrize("body, status, code", [
    (b'{"text": ""}', 400, "empty_message"),
    (b'{"text": "   "}', 400, "empty_message"),
    (b'{"text": "' + b"x" * 51 + b'"}', 400, "message_too_long"),
    (b'{"text": 5}', 400, "missing_text"),
    (b'{"id": "c-1"}', 400, "missing_text"),
    (b'{"text": "hi", "id": 7}', 400, "bad_message_id"),
    (b'{"text": "hi", "metadata": [1]}', 400, "bad_metadata"),
    (b'{"text": ', 400, "malformed_json"),
    (b'\xff\xfe garbage', 400, "malformed_json"),
    (b'["text"]', 400, "malformed_json"),
    (b'{"text": "hi", "pad": "' + b"x" * 3000 + b'"}', 413, "body_too_large"),
])
async def test_bad_input_gets_a_json_4xx_and_is_not_delivered(served, body: bytes, status: int, code: str) -> None:
    client, _, engine = served
    response = await client.post("/api/app/messages", headers=_auth() | {"Content-Type": "application/json"}, data=body)
    assert response.status == status
    assert (await response.json())["error"]["code"] == code
    assert engine.received == []


async def test_oversized_chunked_body_is_refused(served) -> None:
    client, _, engine = served

    async def chunks():  # no Content-Length: the limit must hold while reading
        for _ in range(10):
            yield b" " * 1024

    response = await client.post("/api/app/messages", headers=_auth(), data=chunks())
    assert response.status == 413 and engine.received == []


async def test_engine_refusal_and_failure_are_json_errors(served) -> None:
    client, _, engine = served
    engine.fail_with = InvalidMessage("bad_sender", "发送者 ID 无效 / The sender id is missing or too long.")
    refused = await client.post("/api/app/messages", headers=_auth(), json={"text": "hi"})
    assert refused.status == 400 and (await refused.json())["error"]["code"] == "bad_sender"
    engine.fail_with = RuntimeError("database gone")
    failed = await client.post("/api/app/messages", headers=_auth(), json={"text": "hi"})
    assert failed.status == 500 and (await failed.json())["error"]["code"] == "server_error"


async def test_websocket_answers_frames_and_receives_pushes(served) -> None:
    client, channel, _ = served
    token = mint_app_token(SECRET, "alice", 300)
    async with client.ws_connect(f"/api/app/ws?token={token}") as ws:
        await ws.send_json({"type": "message", "id": "w-1", "text": "你好"})
        answer = await ws.receive_json()
        assert answer["type"] == "replies" and answer["in_reply_to"] == "w-1"
        assert answer["conversation_id"] == "conv-alice"
        assert [r["text"] for r in answer["replies"]] == ["echo: 你好"]
        await channel.send(OutboundMessage("app", "alice", "conv-alice", "我是客服小李", sender="agent", message_id="a1"))
        pushed = await ws.receive_json()
        assert pushed["type"] == "message" and pushed["message"]["author"] == "agent"
        assert pushed["message"]["text"] == "我是客服小李"


async def test_pushes_reach_only_their_user(served) -> None:
    client, channel, _ = served
    async with client.ws_connect("/api/app/ws", headers=_auth("alice")) as alice, \
            client.ws_connect(f"/api/app/ws?token={mint_app_token(SECRET, 'bob', 300)}") as bob:
        await channel.send(OutboundMessage("app", "alice", "conv-alice", "for alice"))
        await channel.send(OutboundMessage("app", "bob", "conv-bob", "for bob"))
        # Bob's first frame is his own: alice's push never reached his socket.
        assert (await bob.receive_json())["message"]["text"] == "for bob"
        assert (await alice.receive_json())["message"]["text"] == "for alice"


async def test_websocket_bad_frames_get_errors_and_the_socket_stays_open(served) -> None:
    client, _, engine = served
    async with client.ws_connect("/api/app/ws", headers=_auth()) as ws:
        await ws.send_str("not json")
        assert (await ws.receive_json())["error"]["code"] == "malformed_json"
        await ws.send_json({"type": "typing"})
        assert (await ws.receive_json())["error"]["code"] == "bad_frame"
        await ws.send_bytes(b"\x00\x01")
        assert (await ws.receive_json())["error"]["code"] == "bad_frame"
        await ws.send_json({"type": "message", "id": "w-2", "text": ""})
        error = await ws.receive_json()
        assert error == {"type": "error", "in_reply_to": "w-2", "error": error["error"]}
        assert error["error"]["code"] == "empty_message"
        await ws.send_json({"type": "message", "id": "w-3", "text": "still here"})
        assert (await ws.receive_json())["replies"][0]["text"] == "echo: still here"
    assert [m.text for m in engine.received] == ["still here"]


async def test_websocket_refuses_bad_tokens_before_upgrading(served) -> None:
    client, _, _ = served
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.ws_connect("/api/app/ws?token=nonsense")
    assert caught.value.status == 401
    plain = await client.get("/api/app/ws", headers=_auth())  # no Upgrade header
    assert plain.status == 400 and (await plain.json())["error"]["code"] == "not_websocket"


async def test_socket_count_per_user_is_limited(served) -> None:
    client, _, _ = served
    sockets = [await client.ws_connect("/api/app/ws", headers=_auth()) for _ in range(MAX_SOCKETS_PER_USER)]
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await client.ws_connect("/api/app/ws", headers=_auth())
    assert caught.value.status == 429
    other = await client.ws_connect("/api/app/ws", headers=_auth("bob"))  # other users are unaffected
    for ws in (*sockets, other):
        await ws.close()


async def test_stop_closes_open_sockets(served) -> None:
    client, channel, _ = served
    async with client.ws_connect("/api/app/ws", headers=_auth()) as ws:
        await channel.stop()
        closing = await ws.receive()
        assert closing.type == WSMsgType.CLOSE and closing.data == WSCloseCode.GOING_AWAY


def test_every_route_is_documented_in_openapi(tmp_path: Path) -> None:
    engine = FakeEngine()
    channel = AppChannel(ChannelContext(_settings(tmp_path), engine.deliver, engine.history))
    paths = build_openapi()["paths"]
    for route in channel.routes():
        assert route.method.lower() in paths[route.path], route.path


async def test_socket_closes_when_its_token_expires(served) -> None:
    client, _, _ = served
    # Issued long ago: its expiry lies inside the clock-skew grace, which ends about a second from now.
    token = mint_app_token(SECRET, "alice", 60, now=time.time() - 60 - CLOCK_SKEW_SECONDS + 1)
    async with client.ws_connect(f"/api/app/ws?token={token}") as ws:
        closing = await ws.receive()
    assert closing.type == WSMsgType.CLOSE and closing.data == TOKEN_EXPIRED_CLOSE_CODE
