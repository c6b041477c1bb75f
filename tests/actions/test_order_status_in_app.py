"""End to end: an app customer asks about an order; the real engine calls the real action server."""
from __future__ import annotations

from pathlib import Path

from bot.app import create_app
from bot.settings import load_settings
from connectors.app_token import mint_app_token

SECRET = "order-status-in-app-secret-0123456789abcdef"
SHOP_FAQ = Path(__file__).resolve().parents[1] / "bot" / "fixtures" / "shop_faq.json"  # binds action_order_status


async def _client(aiohttp_client, tmp_path: Path, actions_url: str):
    settings = load_settings(None, {
        "KEFU_KNOWLEDGE__MODEL": "fake",
        "KEFU_KNOWLEDGE__DEMO_KB": str(SHOP_FAQ),
        "KEFU_SERVER__DATA_DIR": str(tmp_path / "data"),
        "KEFU_ACTIONS__URL": actions_url,
        "KEFU_APP_TOKEN_SECRET": SECRET,
    })
    return await aiohttp_client(create_app(settings))


async def _ask(client, text: str) -> list[dict]:
    headers = {"Authorization": f"Bearer {mint_app_token(SECRET, 'dora', 300)}"}
    response = await client.post("/api/app/messages", headers=headers, json={"text": text})
    assert response.status == 200
    return (await response.json())["replies"]


async def test_order_question_is_answered_by_the_action(aiohttp_client, tmp_path: Path, action_server: str) -> None:
    client = await _client(aiohttp_client, tmp_path, action_server)
    replies = await _ask(client, "我的订单到哪了 123457")
    assert any("Order 123457: shipped" in r["text"] for r in replies), replies


async def test_action_server_down_gives_a_fallback_and_the_conversation_goes_on(
    aiohttp_client, tmp_path: Path, closed_url: str
) -> None:
    client = await _client(aiohttp_client, tmp_path, closed_url)
    replies = await _ask(client, "我的订单到哪了 123457")
    assert [r["kind"] for r in replies] == ["action_failed"]
    assert any(b["payload"] == "/handoff" for b in replies[0]["buttons"])
    assert any("7 天内" in r["text"] for r in await _ask(client, "怎么退货"))  # still answering
