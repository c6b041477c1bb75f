"""WebChannel over real HTTP and WebSocket (aiohttp test server), with a fake engine behind it."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from aiohttp import WSMsgType, web

from bot.errors import InvalidMessage
from bot.messages import Button, InboundMessage, OutboundMessage, TranscriptMessage
from bot.settings import load_settings
from connectors.channel import ChannelContext
from connectors.web import WebChannel

GUARD = 10  # seconds; only keeps a broken test from hanging, never part of an assertion
VISITOR = "A" * 24


class FakeEngine:
    """Echoes each message, stores transcripts in memory, answers a duplicate id with the old replies."""

    def __init__(self) -> None:
        self.delivered: list[InboundMessage] = []
        self.transcripts: dict[str, list[TranscriptMessage]] = {}
        self.answered: dict[tuple[str, str], list[OutboundMessage]] = {}
        self.error: Exception | None = None

    async def deliver(self, msg: InboundMessage) -> list[OutboundMessage]:
        self.delivered.append(msg)
        if (msg.user_id, msg.message_id) in self.answered:
            return self.answered[msg.user_id, msg.message_id]
        if self.error:
            raise self.error
        log = self.transcripts.setdefault(msg.user_id, [])
        # Like the real engine: the channel's metadata is kept under "channel_metadata".
        log.append(TranscriptMessage(f"m{len(log)}", "c1", "customer", msg.text, "web",
                                     metadata={"channel_metadata": dict(msg.metadata)}))
        reply = OutboundMessage("web", msg.user_id, "c1", f"echo: {msg.text}", message_id=f"m{len(log)}",
                                buttons=(Button("有帮助 / Helpful", "/feedback:yes:x"),), kind="answer")
        log.append(TranscriptMessage(reply.message_id, "c1", "bot", reply.text, "web", buttons=reply.buttons, kind="answer"))
        self.answered[msg.user_id, msg.message_id] = [reply]
        return [reply]

    async def history(self, channel: str, user_id: str) -> list[TranscriptMessage]:
        assert channel == "web"
        return list(self.transcripts.get(user_id, []))


@pytest.fixture
async def chat(aiohttp_client, tmp_path: Path):
    settings = load_settings(None, {
        "KEFU_SERVER__DATA_DIR": str(tmp_path), "KEFU_SERVER__MAX_MESSAGE_CHARS": "50",
        "KEFU_SERVER__MAX_BODY_BYTES": "1024", "KEFU_SERVER__ALLOWED_ORIGINS": '["https://shop.example"]',
    })
    engine = FakeEngine()
    channel = WebChannel(ChannelContext(settings, engine.deliver, engine.history, http=None))
    app = web.Application()
    app.add_routes(channel.routes())
    app.on_shutdown.append(lambda _app: channel.stop())
    client = await aiohttp_client(app)
    return SimpleNamespace(client=client, engine=engine, channel=channel)


async def connect(chat, visitor: str | None = VISITOR, lang: str = "zh"):
    query = {"lang": lang} | ({"visitor": visitor} if visitor is not None else {})
    ws = await chat.client.ws_connect("/ws", params=query)
    welcome = await ws.receive_json(timeout=GUARD)
    history = await ws.receive_json(timeout=GUARD)
    assert welcome["type"] == "welcome" and history["type"] == "history"
    return ws, welcome, history


async def until_idle(ws) -> list[dict]:
    """Frames up to and including the `typing off` that ends an answer."""
    frames = []
    while not frames or frames[-1] != {"type": "typing", "on": False}:
        frames.append(await ws.receive_json(timeout=GUARD))
    return frames


async def ask(ws, text: str, client_id: str = "client-0001", **extra) -> list[dict]:
    await ws.send_json({"type": "message", "id": client_id, "text": text, **extra})
    return await until_idle(ws)


async def test_demo_page_and_widget_are_served_as_utf8(chat):
    page = await chat.client.get("/")
    assert page.status == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert '<script src="/widget.js"' in await page.text()
    script = await chat.client.get("/widget.js")
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert "textContent" in await script.text()
    css = await chat.client.get("/widget.css")
    assert css.headers["Content-Type"] == "text/css; charset=utf-8"


async def test_plain_get_of_the_socket_is_a_client_error(chat):
    response = await chat.client.get("/ws")
    assert response.status == 400


async def test_a_missing_or_malformed_visitor_id_gets_a_fresh_random_one(chat):
    _, first, history = await connect(chat, visitor=None)
    _, second, _ = await connect(chat, visitor="alice")
    assert len(first["visitor"]) == 24 and len(second["visitor"]) == 24
    assert first["visitor"] != second["visitor"] and second["visitor"] != "alice"
    assert history["messages"] == [] and first["max_chars"] == 50


async def test_a_message_is_delivered_and_answered_with_typing_around_it(chat):
    ws, _, _ = await connect(chat, lang="en")
    frames = await ask(ws, "  where is my order?  ", client_id="c-12345678")
    assert [f["type"] for f in frames] == ["typing", "ack", "message", "typing"]
    assert frames[0] == {"type": "typing", "on": True} and frames[1] == {"type": "ack", "id": "c-12345678"}
    reply = frames[2]
    assert reply["author"] == "bot" and reply["text"] == "echo: where is my order?" and reply["kind"] == "answer"
    assert reply["buttons"] == [{"title": "有帮助 / Helpful", "payload": "/feedback:yes:x"}]
    (inbound,) = chat.engine.delivered
    assert (inbound.channel, inbound.user_id, inbound.message_id, inbound.language) == ("web", VISITOR, "c-12345678", "en")
    assert inbound.text == "where is my order?"


async def test_the_conversation_comes_back_on_reconnect(chat):
    ws, _, _ = await connect(chat)
    await ask(ws, "退货政策", client_id="c-00000001")
    await ask(ws, "/feedback:yes:x", client_id="c-00000002", title="有帮助")
    await ws.close()
    _, _, history = await connect(chat)
    texts = [(m["author"], m["text"], m["client_id"]) for m in history["messages"]]
    # The button press comes back as its title, the text the customer saw.
    assert texts == [("customer", "退货政策", "c-00000001"), ("bot", "echo: 退货政策", ""),
                     ("customer", "有帮助", "c-00000002"), ("bot", "echo: /feedback:yes:x", "")]


async def test_a_resent_message_id_is_answered_from_the_engines_dedupe(chat):
    ws, _, _ = await connect(chat)
    first = await ask(ws, "hello", client_id="c-resend01")
    again = await ask(ws, "hello", client_id="c-resend01")
    assert first[2]["id"] == again[2]["id"]
    assert len(chat.engine.transcripts[VISITOR]) == 2  # stored once


async def test_each_visitor_reads_only_their_own_history(chat):
    ws, _, _ = await connect(chat, visitor="B" * 24)
    await ask(ws, "my address is secret")
    _, _, history = await connect(chat, visitor="C" * 24)
    assert history["messages"] == []


@pytest.mark.parametrize("frame, code", [
    ("not json", "bad_json"),
    ("[1, 2]", "bad_frame"),
    ('{"type": "subscribe"}', "unknown_type"),
    ('{"type": "message", "text": "hi"}', "bad_id"),
    ('{"type": "message", "id": "x", "text": "hi"}', "bad_id"),
    ('{"type": "message", "id": "c-00000009", "text": "   "}', "empty"),
    ('{"type": "message", "id": "c-00000009", "text": 5}', "bad_frame"),
    (json.dumps({"type": "message", "id": "c-00000009", "text": "长" * 51}), "too_long"),
])
async def test_bad_frames_get_an_error_and_the_socket_stays_open(chat, frame, code):
    ws, _, _ = await connect(chat)
    await ws.send_str(frame)
    error = await ws.receive_json(timeout=GUARD)
    assert error["type"] == "error" and error["code"] == code
    assert " / " in error["message"]  # Chinese and English
    assert chat.engine.delivered == []
    frames = await ask(ws, "still there?")
    assert frames[2]["text"] == "echo: still there?"


async def test_a_binary_frame_is_refused(chat):
    ws, _, _ = await connect(chat)
    await ws.send_bytes(b"\x00\x01")
    assert (await ws.receive_json(timeout=GUARD))["code"] == "bad_frame"


async def test_an_oversized_frame_closes_the_socket_with_1009(chat):
    ws, _, _ = await connect(chat)
    await ws.send_str(json.dumps({"type": "message", "id": "c-00000010", "text": "x" * 2000}))
    closing = await ws.receive(timeout=GUARD)
    assert closing.type == WSMsgType.CLOSE and closing.data == 1009
    assert chat.engine.delivered == []


async def test_an_engine_failure_is_an_error_frame_not_a_dropped_socket(chat):
    ws, _, _ = await connect(chat)
    chat.engine.error = RuntimeError("database down")
    frames = await until_idle_after(ws, {"type": "message", "id": "c-00000011", "text": "hi"})
    assert {"type": "error", "code": "server_error", "id": "c-00000011"}.items() <= frames[-1].items()
    chat.engine.error = InvalidMessage("bad_sender", "发送者 ID 无效 / The sender id is missing or too long.")
    await ws.send_json({"type": "message", "id": "c-00000012", "text": "hi"})
    frames = [await ws.receive_json(timeout=GUARD) for _ in range(3)]
    assert frames[2]["code"] == "bad_sender" and frames[2]["id"] == "c-00000012"
    chat.engine.error = None
    assert (await ask(ws, "ok now?"))[2]["text"] == "echo: ok now?"


async def test_a_history_failure_is_an_error_frame_then_a_close_the_widget_retries(chat):
    async def broken_history(channel: str, user_id: str):
        raise RuntimeError("database down")

    chat.channel.context = ChannelContext(chat.channel.context.settings, chat.engine.deliver, broken_history, None)
    ws = await chat.client.ws_connect("/ws", params={"visitor": VISITOR})
    assert (await ws.receive_json(timeout=GUARD))["type"] == "welcome"
    error = await ws.receive_json(timeout=GUARD)
    assert (error["type"], error["code"]) == ("error", "server_error")
    closing = await ws.receive(timeout=GUARD)
    assert closing.type == WSMsgType.CLOSE and closing.data == 1011


async def until_idle_after(ws, frame: dict) -> list[dict]:
    await ws.send_json(frame)
    frames = await until_idle(ws)
    frames.append(await ws.receive_json(timeout=GUARD))
    return frames


async def test_send_reaches_every_tab_of_that_visitor_only(chat):
    tab1, _, _ = await connect(chat)
    tab2, _, _ = await connect(chat)
    other, _, _ = await connect(chat, visitor="D" * 24)
    agent = OutboundMessage("web", VISITOR, "c1", "我是客服小王 / Agent Wang here", sender="agent", message_id="m9")
    await chat.channel.send(agent)
    for tab in (tab1, tab2):
        frame = await tab.receive_json(timeout=GUARD)
        assert (frame["type"], frame["author"], frame["text"], frame["id"]) == ("message", "agent", agent.text, "m9")
    await other.send_json({"type": "message", "id": "c-00000013", "text": "ping"})
    assert (await other.receive_json(timeout=GUARD)) == {"type": "typing", "on": True}  # nothing queued before it


async def test_other_tabs_see_the_customer_message_and_the_reply(chat):
    tab1, _, _ = await connect(chat)
    tab2, _, _ = await connect(chat)
    await ask(tab1, "/faq:returns", client_id="c-00000014", title="怎么退货？")
    frames = await until_idle(tab2)
    mine = [f for f in frames if f["type"] == "message"]
    assert [(f["author"], f["text"]) for f in mine] == [("customer", "怎么退货？"), ("bot", "echo: /faq:returns")]
    assert not any(f["type"] == "ack" for f in frames)  # the ack is for the sending tab only


async def test_the_language_comes_from_the_frame_then_the_query_then_the_default(chat):
    ws, _, _ = await connect(chat, lang="fr")
    await ask(ws, "a", client_id="c-00000015")
    await ask(ws, "b", client_id="c-00000016", lang="en")
    assert [m.language for m in chat.engine.delivered] == ["zh", "en"]


async def test_a_foreign_origin_is_refused_when_origins_are_configured(chat):
    with pytest.raises(Exception) as refused:
        await chat.client.ws_connect("/ws", headers={"Origin": "https://evil.example"})
    assert getattr(refused.value, "status", None) == 403
    ws = await chat.client.ws_connect("/ws", headers={"Origin": "https://shop.example"})
    assert (await ws.receive_json(timeout=GUARD))["type"] == "welcome"


async def test_stop_closes_open_sockets(chat):
    ws, _, _ = await connect(chat)
    await chat.channel.stop()
    closing = await ws.receive(timeout=GUARD)
    assert closing.type == WSMsgType.CLOSE and closing.data == 1001
