"""The web application: every channel's routes, the OpenAPI document, health checks.

`create_app(settings)` builds the app; services (database, knowledge base, engine) start in a
cleanup context when the app starts and stop when it stops.
"""
from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

from aiohttp import web

from bot.errors import InvalidMessage
from bot.messages import InboundMessage, OutboundMessage
from bot.openapi import build_openapi
from bot.agent_api import setup_agent_api
from bot.web_page import shared_ui_routes
from bot.dashboard_api import setup_dashboard
from bot.metrics import METRICS, setup_metrics
from bot.editor_api import setup_editor_api
from bot.app_keys import CHANNEL_MAP, SERVICES, SETTINGS
from bot.services import start_services
from bot.settings import Settings
from connectors import CHANNELS
from connectors.channel import Channel, ChannelContext
from connectors.http_errors import json_error

log = logging.getLogger(__name__)

__all__ = ["CHANNEL_MAP", "SERVICES", "SETTINGS", "create_app"]


def create_app(settings: Settings) -> web.Application:
    app = web.Application(client_max_size=settings.server.max_body_bytes, middlewares=[_errors])
    app[SETTINGS] = settings

    async def deliver(msg: InboundMessage) -> list[OutboundMessage]:
        return await app[SERVICES].engine.handle(msg)

    async def history(channel: str, user_id: str):
        return await app[SERVICES].engine.history(channel, user_id)

    async def delivery_failed(message_id: str, code: str, detail: str) -> None:
        await app[SERVICES].desk.delivery_failed(message_id, code, detail)

    context = ChannelContext(
        settings, deliver, history, http=lambda: app[SERVICES].http, delivery_failed=delivery_failed
    )
    channels: dict[str, Channel] = {
        name: cls(context) for name, cls in CHANNELS.items() if _enabled(settings, name)
    }
    app[CHANNEL_MAP] = channels
    for channel in channels.values():
        app.router.add_routes(channel.routes())
    app.router.add_routes(shared_ui_routes())
    setup_agent_api(app)
    setup_dashboard(app)
    setup_metrics(app, settings.server.metrics_enabled)
    setup_editor_api(app)
    app.router.add_get("/api/openapi.json", _openapi)
    app.router.add_get("/healthz", _health)
    app.cleanup_ctx.append(_services)
    return app


def _enabled(settings: Settings, name: str) -> bool:
    section = getattr(settings.channels, name, None)
    return section is None or getattr(section, "enabled", True)


async def _services(app: web.Application) -> AsyncIterator[None]:
    services = await start_services(app[SETTINGS])
    app[SERVICES] = services
    services.engine.observers.append(app[METRICS].observe_turn)
    services.desk.on_handoff.append(app[METRICS].observe_handoff)
    services.outbox.attach(app[CHANNEL_MAP], services.relay)
    if services.relay is not None:
        await services.relay.start()
    started: list[Channel] = []
    background = [
        asyncio.create_task(services.desk.run_queue_updates()),
        asyncio.create_task(services.kb.watch(app[SETTINGS].server.kb_refresh_seconds)),
    ]

    async def stop_channels(_app: web.Application) -> None:
        # On shutdown, before aiohttp waits for open connections: channels close their sockets.
        while started:
            await started.pop().stop()

    app.on_shutdown.append(stop_channels)
    try:
        for channel in app[CHANNEL_MAP].values():
            await channel.start()
            started.append(channel)
        yield
    finally:
        for task in background:
            task.cancel()
        await stop_channels(app)
        await services.close()


async def _openapi(_request: web.Request) -> web.Response:
    return web.json_response(build_openapi())


async def _health(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    return web.json_response({"status": "ok", "kb_version": services.kb.version, "entries": len(services.kb.entries)})


@web.middleware
async def _errors(request: web.Request, handler):
    try:
        return await handler(request)
    except InvalidMessage as exc:
        return json_error(400, exc.code, exc.message)
    except web.HTTPNotFound:
        return json_error(404, "not_found", f"没有这个地址 / No such route: {request.path}")
    except web.HTTPMethodNotAllowed as exc:
        return json_error(405, "method_not_allowed", f"不支持 {exc.method} / Method {exc.method} is not allowed here.")
    except web.HTTPRequestEntityTooLarge:
        return json_error(413, "body_too_large", "请求体过大 / The request body is too large.")
