"""ActionClient against a real rasa_sdk action server, and local fakes for the failures."""
from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
import pytest

from actions.order_status import HANDOFF_REASON, find_order_number
from bot.action_client import ActionClient, ActionUnavailable
from bot.messages import Button


# --- the real action server ---------------------------------------------------------------

async def test_order_number_in_text_gets_its_status(action_server: str, http: aiohttp.ClientSession) -> None:
    client = ActionClient(action_server, 10, http)
    result = await client.run("action_order_status", "user-1", "我的订单号是 123457，到哪了？", {"screen": "orders"})
    assert len(result.replies) == 1
    assert "订单 123457：已发货" in result.replies[0].text
    assert "Order 123457: shipped" in result.replies[0].text
    assert result.handoff_reason is None
    assert {"event": "slot", "name": "order_number", "value": "123457"}.items() <= result.events[0].items()


async def test_without_order_number_it_asks_for_one(action_server: str, http: aiohttp.ClientSession) -> None:
    result = await ActionClient(action_server, 10, http).run("action_order_status", "user-2", "查订单", {})
    assert len(result.replies) == 1
    assert "订单号" in result.replies[0].text and "order number" in result.replies[0].text
    assert result.events == ()
    assert result.handoff_reason is None


async def test_order_number_from_slot_when_text_has_none(action_server: str, http: aiohttp.ClientSession) -> None:
    client = ActionClient(action_server, 10, http)
    result = await client.run("action_order_status", "user-3", "还是那个订单", {}, slots={"order_number": "123456"})
    assert "Order 123456: awaiting shipment" in result.replies[0].text


async def test_delivery_problem_asks_for_a_person(action_server: str, http: aiohttp.ClientSession) -> None:
    result = await ActionClient(action_server, 10, http).run("action_order_status", "user-4", "order 123459", {})
    assert result.handoff_reason == HANDOFF_REASON
    assert "connecting you to a person" in result.replies[0].text


async def test_unknown_action_is_unavailable_with_its_name(action_server: str, http: aiohttp.ClientSession) -> None:
    with pytest.raises(ActionUnavailable) as caught:
        await ActionClient(action_server, 10, http).run("action_no_such_thing", "user-5", "hi", {})
    assert caught.value.action_name == "action_no_such_thing"
    assert "action_no_such_thing" in str(caught.value)
    assert "does not know" in caught.value.reason


# --- failures, at the far edge ------------------------------------------------------------

async def test_down_server_is_unavailable(closed_url: str, http: aiohttp.ClientSession) -> None:
    # A long timeout: the refusal must be reported as unreachable, not waited out.
    with pytest.raises(ActionUnavailable) as caught:
        await ActionClient(closed_url, 30, http).run("action_order_status", "u", "123456", {})
    assert "unreachable" in caught.value.reason


async def _serve(aiohttp_server, handler) -> str:
    app = web.Application()
    app.router.add_post("/webhook", handler)
    server = await aiohttp_server(app)
    return str(server.make_url("/webhook"))


async def test_slow_server_times_out(aiohttp_server, http: aiohttp.ClientSession, release: asyncio.Event) -> None:
    async def slow(request: web.Request) -> web.Response:
        await release.wait()
        return web.json_response({"events": [], "responses": []})

    url = await _serve(aiohttp_server, slow)
    try:
        with pytest.raises(ActionUnavailable) as caught:
            await ActionClient(url, 0.2, http).run("action_order_status", "u", "123456", {})
        assert "timed out" in caught.value.reason
    finally:
        release.set()


@pytest.mark.parametrize("status, body, expected", [
    (200, "<html>not json</html>", "not JSON"),
    (200, '["a list"]', "not an object"),
    (200, '{"responses": "text", "events": []}', "must be lists"),
    (200, '{"responses": ["text"], "events": []}', "must be an object"),
    (500, '{"error": "boom"}', "HTTP 500"),
])
async def test_garbage_answers_are_unavailable(aiohttp_server, http, status: int, body: str, expected: str) -> None:
    async def garbage(request: web.Request) -> web.Response:
        return web.Response(status=status, text=body, content_type="application/json")

    url = await _serve(aiohttp_server, garbage)
    with pytest.raises(ActionUnavailable) as caught:
        await ActionClient(url, 5, http).run("action_order_status", "u", "hi", {})
    assert expected in caught.value.reason


async def test_request_follows_the_action_server_protocol(aiohttp_server, http: aiohttp.ClientSession) -> None:
    seen: list[dict] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(await request.json())
        return web.json_response({"events": [{"event": "pause"}], "responses": [
            {"text": "choose", "buttons": [{"title": "Yes", "payload": "/yes"}, {"title": "broken"}]},
        ]})

    url = await _serve(aiohttp_server, record)
    result = await ActionClient(url, 5, http).run("action_x", "u-9", "hello", {"lang": "en"}, slots={"a": 1})
    body = seen[0]
    assert body["next_action"] == "action_x" and body["sender_id"] == "u-9"
    assert body["domain"] == {} and body["version"]
    tracker = body["tracker"]
    assert tracker["sender_id"] == "u-9" and tracker["slots"] == {"a": 1} and tracker["paused"] is False
    assert tracker["latest_message"] == {"text": "hello", "intent": {}, "entities": [], "metadata": {"lang": "en"}}
    # A pause event without a custom reason still asks for a person; malformed buttons are dropped.
    assert result.handoff_reason == "action_requested"
    assert result.replies[0].buttons == (Button("Yes", "/yes"),)


def test_find_order_number() -> None:
    assert find_order_number("订单１２３４５６７") == "1234567"
    assert find_order_number("call 12345") is None
    assert find_order_number("order 123456 and 654321") == "123456"
    assert find_order_number("") is None
