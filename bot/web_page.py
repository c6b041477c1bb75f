"""Routes that serve one of the web UIs (console, editor, dashboard): its page and its files."""
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
    """`/ui/<file>`: modules every web UI imports (the HTTP client with CSRF and sign-in)."""
    return [web.static("/ui", SHARED_UI, show_index=False)]
