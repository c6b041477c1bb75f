"""The analytics dashboard: its JSON and CSV API (roles editor and admin) and its page."""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.dashboard_api import views
from bot.dashboard_api.csv_table import CsvTable
from bot.web_page import page_routes

DASHBOARD_DIR = Path(__file__).resolve().parent.parent / "dashboard"

__all__ = ["CsvTable", "setup_dashboard"]


def setup_dashboard(app: web.Application) -> None:
    """Sign-in is the console's (/api/agent/login); the dashboard only adds read-only routes."""
    app.router.add_routes(
        [
            web.get("/api/dashboard/report", views.report),
            web.get("/api/dashboard/report/{table}", views.table),
            *page_routes("/dashboard", DASHBOARD_DIR),
        ]
    )
