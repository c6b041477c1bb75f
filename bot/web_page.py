"""Routes that serve the web UIs (console, editor, dashboard): each UI's page and its own files
under /<ui>/, and under /ui/ the files all three share (bot/webui/)."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web


def page_routes(prefix: str, folder: Path) -> list[web.AbstractRouteDef]:
    """`GET /prefix` and `/prefix/` give index.html (never cached: it names the module files);
    `/prefix/<file>` gives the UI's scripts and styles."""

    async def page(_request: web.Request) -> web.FileResponse:
        return web.FileResponse(folder / "index.html", headers={"Cache-Control": "no-cache"})

    return [web.get(prefix, page), web.get(prefix + "/", page), web.static(prefix, folder, show_index=False)]


SHARED_UI = Path(__file__).resolve().parent / "webui"


def shared_ui_routes() -> list[web.AbstractRouteDef]:
    """`/ui/<file>`: what every web UI shares. Modules: http.js (the HTTP client with CSRF),
    i18n.js (language switching), dom.js (DOM helpers and the toast), login.js (sign-in); and
    base.css (palette, controls, sign-in card, top bar, toast), which each page links before its
    own stylesheet."""
    return [web.static("/ui", SHARED_UI, show_index=False)]
