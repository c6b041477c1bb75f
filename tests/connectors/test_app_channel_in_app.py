"""The app channel inside the real app: create_app, the real engine, storage and demo knowledge base."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.app import create_app
from bot.settings import load_settings
from connectors.app_token import mint_app_token

SECRET = "app-channel-in-app-secret-0123456789abcdef"
DEMO_KB = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "demo_faq.json"


@pytest.fixture
async def client(aiohttp_client, tmp_path: Path):
    settings = load_settings(None, {
        "KEFU_KNOWLEDGE__MODEL": "fake",
        "KEFU_SERVER__DATA_DIR": str(tmp_path / "data"),
        "KEFU_APP_TOKEN_SECRET": SECRET,
    })
    return await aiohttp_client(create_app(settings))


def _auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_app_token(SECRET, user, 300)}"}


def _demo_entry() -> dict:
    """A plain FAQ entry of the demo knowledge base (answered from text, no action or handoff)."""
    entries = json.loads(DEMO_KB.read_text(encoding="utf-8"))
    return next(e for e in entries if e.get("answer") and not e.get("action") and not e.get("handoff"))


async def test_demo_question_gets_its_answer(client) -> None:
    entry = _demo_entry()
    response = await client.post("/api/app/messages", headers=_auth("alice"), json={"text": entry["question"], "id": "q1"})
    assert response.status == 200
    body = await response.json()
    assert body["conversation_id"]
    assert entry["answer"] in [reply["text"] for reply in body["replies"]]


async def test_two_app_users_never_see_each_others_messages(client) -> None:
    await client.post("/api/app/messages", headers=_auth("alice"), json={"text": "alice 的地址是 1 号"})
    await client.post("/api/app/messages", headers=_auth("bob"), json={"text": "bob asks about invoices"})
    alice = await (await client.get("/api/app/conversation", headers=_auth("alice"))).json()
    bob = await (await client.get("/api/app/conversation", headers=_auth("bob"))).json()
    alice_texts = [m["text"] for m in alice["messages"]]
    bob_texts = [m["text"] for m in bob["messages"]]
    assert "alice 的地址是 1 号" in alice_texts and "bob asks about invoices" in bob_texts
    assert not any("alice" in text for text in bob_texts)
    assert not any("bob" in text for text in alice_texts)
    assert alice["conversation_id"] != bob["conversation_id"]


async def test_websocket_in_the_real_app(client) -> None:
    token = mint_app_token(SECRET, "carol", 300)
    async with client.ws_connect(f"/api/app/ws?token={token}") as ws:
        await ws.send_json({"type": "message", "id": "w1", "text": _demo_entry()["question"]})
        frame = await ws.receive_json()
    assert frame["type"] == "replies" and frame["in_reply_to"] == "w1" and frame["replies"]
    transcript = await (await client.get("/api/app/conversation", headers=_auth("carol"))).json()
    assert transcript["messages"][0]["author"] == "customer"


async def test_openapi_is_served(client) -> None:
    document = await (await client.get("/api/openapi.json")).json()
    assert "/api/app/messages" in document["paths"]


async def test_app_channel_refuses_without_secret(aiohttp_client, tmp_path: Path) -> None:
    settings = load_settings(None, {"KEFU_KNOWLEDGE__MODEL": "fake", "KEFU_SERVER__DATA_DIR": str(tmp_path / "d")})
    client = await aiohttp_client(create_app(settings))
    response = await client.post("/api/app/messages", headers=_auth("alice"), json={"text": "hi"})
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "not_configured"
