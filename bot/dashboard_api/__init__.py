"""The analytics dashboard: its JSON and CSV API (roles editor and admin) and its page."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.dashboard_api import views
from bot.dashboard_api.csv_table import CsvTable

DASHBOARD_DIR = Path(__file__).resolve().parent.parent / "dashboard"

__all__ = ["CsvTable", "setup_dashboard"]


def setup_dashboard(app: web.Application) -> None:
    """Sign-in is the console's (/api/agent/login); the dashboard only adds read-only routes."""
    app.router.add_routes(
        [
            web.get("/api/dashboard/report", views.report),
            web.get("/api/dashboard/report/{table}", views.table),
            web.get("/dashboard", _page),
            web.get("/dashboard/", _page),
            web.static("/dashboard", DASHBOARD_DIR, show_index=False),
        ]
    )


async def _page(_request: web.Request) -> web.FileResponse:
    return web.FileResponse(DASHBOARD_DIR / "index.html", headers={"Cache-Control": "no-cache"})
