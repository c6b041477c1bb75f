"""The Agent API (docs/agent_api.md) and the console page it serves."""
from __future__ import annotations

import weakref
from collections import defaultdict, deque
from pathlib import Path

from aiohttp import web

from bot.agent_api import auth, conversations, live
from bot.web_page import page_routes

CONSOLE_DIR = Path(__file__).resolve().parent.parent / "console"

__all__ = ["setup_agent_api"]


def setup_agent_api(app: web.Application) -> None:
    app[auth.LOGIN_LIMIT] = defaultdict(deque)
    app[live.SOCKETS] = weakref.WeakSet()
    app.on_shutdown.append(live.close_sockets)
    c = conversations
    app.router.add_routes(
        [
            web.post("/api/agent/login", auth.login),
            web.post("/api/agent/logout", auth.logout),
            web.get("/api/agent/me", auth.me),
            web.put("/api/agent/me/status", auth.set_status),
            web.get("/api/agent/queue", c.get_queue),
            web.get("/api/agent/conversations", c.list_conversations),
            web.get("/api/agent/conversations/{id}", c.get_conversation),
            web.post("/api/agent/conversations/{id}/claim", c.claim),
            web.post("/api/agent/conversations/{id}/messages", c.send_message),
            web.post("/api/agent/conversations/{id}/transfer", c.transfer),
            web.post("/api/agent/conversations/{id}/resolve", c.resolve),
            web.post("/api/agent/conversations/{id}/notes", c.add_note),
            web.get("/api/agent/agents", c.list_agents),
            web.get("/api/agent/kb/search", c.search_kb),
            web.get("/api/agent/tickets", c.list_tickets),
            web.post("/api/agent/tickets/{id}/close", c.close_ticket),
            web.get("/api/agent/ws", live.events),
            *page_routes("/console", CONSOLE_DIR),
        ]
    )
