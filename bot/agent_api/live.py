"""Live events for the console over WebSocket (cookie-authenticated, like the rest of the API)."""
from __future__ import annotations

import asyncio
import json

import weakref

from aiohttp import WSCloseCode, WSMsgType, web

from bot.agent_api import views
from bot.agent_api.auth import AuthError, authenticate
from bot.app_keys import SERVICES
from connectors.http_errors import json_error

SOCKETS = web.AppKey("agent_sockets", weakref.WeakSet)


async def close_sockets(app: web.Application) -> None:
    """On shutdown: close consoles' sockets so the server stops at once (consoles reconnect)."""
    for ws in list(app[SOCKETS]):
        await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


async def events(request: web.Request) -> web.StreamResponse:
    try:
        user, _session = await authenticate(request, ("admin", "agent"))
    except AuthError as exc:
        return json_error(exc.status, exc.code, exc.message)
    services = request.app[SERVICES]
    ws = web.WebSocketResponse(heartbeat=30, max_msg_size=4096)
    await ws.prepare(request)
    request.app[SOCKETS].add(ws)
    sub = services.hub.subscribe(user.id, user.role)
    pump = asyncio.create_task(_pump(ws, sub.queue, services))
    try:
        await ws.send_json({"type": "queue", "queue": await views.queue(services)})
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            try:
                kind = json.loads(frame.data).get("type")
            except (ValueError, AttributeError):
                kind = None
            if kind == "ping":
                await ws.send_json({"type": "pong"})
    finally:
        pump.cancel()
        services.hub.unsubscribe(sub)
    return ws


async def _pump(ws: web.WebSocketResponse, queue: asyncio.Queue, services) -> None:
    """Forward hub events; a queue change is sent as the whole (small) queue so consoles stay simple."""
    while not ws.closed:
        event = await queue.get()
        if event.get("type") == "queue_changed":
            # The hub hands every open console the same event object: build the queue once for
            # all of them (shielded, so a console closing mid-way does not cancel it for others).
            view = event.get("_view")
            if view is None:
                view = event["_view"] = asyncio.ensure_future(views.queue(services))
            event = {"type": "queue", "queue": await asyncio.shield(view)}
        elif event.get("type") in ("assigned", "conversation"):
            conv = await services.conversations.get(event["conversation_id"])
            if conv is not None:
                event = {"type": event["type"], "conversation": await views.summary(services, conv)}
        try:
            await ws.send_json(event)
        except ConnectionResetError:
            return
