"""The knowledge editor: its HTTP API (`/api/editor/...`, roles editor and admin) and the web page at `/editor`.

Sign-in is the console's (`/api/agent/login`, session cookie + CSRF token).
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.editor_api import entries, history, insight, misses, transfer
from bot.web_page import page_routes

EDITOR_DIR = Path(__file__).resolve().parent.parent / "editor"

__all__ = ["setup_editor_api", "EDITOR_DIR"]


def setup_editor_api(app: web.Application) -> None:
    entry = "/api/editor/entries/{id:[^/]+}"
    app.router.add_routes([
        web.get("/api/editor/status", entries.status),
        web.get("/api/editor/entries", entries.list_entries),
        web.post("/api/editor/entries", entries.create_entry),
        web.get(entry, entries.get_entry),
        web.put(entry, entries.update_entry),
        web.delete(entry, entries.delete_entry),
        web.post(entry + "/discard", entries.discard_draft),
        web.get(entry + "/history", history.history),
        web.get(entry + "/diff", history.diff),
        web.post(entry + "/rollback", history.rollback),
        web.post("/api/editor/publish", entries.publish),
        web.get("/api/editor/audit", history.audit),
        web.post("/api/editor/import/preview", transfer.import_preview),
        web.post("/api/editor/import/apply", transfer.import_apply),
        web.get("/api/editor/export", transfer.export),
        web.post("/api/editor/try", insight.try_question),
        web.get("/api/editor/check", insight.check),
        web.get("/api/editor/misses", misses.list_misses),
        web.post("/api/editor/misses/accept", misses.accept),
        web.post("/api/editor/misses/dismiss", misses.dismiss),
        *page_routes("/editor", EDITOR_DIR),
    ])
