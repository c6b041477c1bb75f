"""Dashboard API handlers: the whole report as JSON, and each table as JSON or CSV.

Query parameters (all optional): from, to (YYYY-MM-DD in the report's zone, or ISO 8601 times;
the range is [from, to), default the last 30 days), channel (a channel name or "all"), tz (an
IANA zone; default handoff.business_hours.timezone, else UTC), format (json | csv, tables only).
"""
from __future__ import annotations

from aiohttp import web

from bot.agent_api.auth import guarded
from bot.analytics import TABLES, DashboardReport, FilterError, ReportFilter
from bot.app_keys import SERVICES, SETTINGS
from bot.auth import User
from bot.dashboard_api.csv_table import CsvTable
from connectors import CHANNELS
from connectors.http_errors import json_error

ROLES = ("editor", "admin")
# Every channel that can have written conversations: the registered ones and `kefu chat`.
KNOWN_CHANNELS = tuple(sorted({*CHANNELS, "cli"}))
FORMATS = ("json", "csv")


@guarded(ROLES)
async def report(request: web.Request, user: User) -> web.Response:
    if request.query.get("format", "json") != "json":
        return json_error(
            400, "bad_format",
            "整体报告只有 JSON；请按表导出 CSV / The whole report is JSON only; export CSV per table: "
            "/api/dashboard/report/<table>?format=csv",
        )
    built = await _build(request)
    if isinstance(built, web.Response):
        return built
    settings = request.app[SETTINGS]
    extra = {"known_channels": list(KNOWN_CHANNELS), "tables": list(TABLES), "wait_target_seconds": settings.handoff.wait_target_seconds}
    return web.json_response(built.as_json() | extra, headers={"Cache-Control": "no-store"})


@guarded(ROLES)
async def table(request: web.Request, user: User) -> web.Response:
    name = request.match_info["table"]
    if name not in TABLES:
        return json_error(404, "unknown_table", f"没有这张表 / No such table: {name!r} (one of: {', '.join(TABLES)})")
    fmt = request.query.get("format", "json")
    if fmt not in FORMATS:
        return json_error(400, "bad_format", f"未知格式 / Unknown format: {fmt!r} (json or csv)")
    built = await _build(request)
    if isinstance(built, web.Response):
        return built
    rows = built.tables[name]
    if fmt == "json":
        body = {"filter": built.filter.describe(), "table": name, "columns": list(TABLES[name]), "rows": rows}
        return web.json_response(body, headers={"Cache-Control": "no-store"})
    filename = f"kefu-{name}-{built.filter.slug()}.csv"
    return web.Response(
        body=CsvTable(TABLES[name], rows).render(), content_type="text/csv", charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


async def _build(request: web.Request) -> DashboardReport | web.Response:
    settings = request.app[SETTINGS]
    hours = settings.handoff.business_hours
    try:
        report_filter = ReportFilter.parse(request.query, hours.timezone if hours else "UTC", KNOWN_CHANNELS)
    except FilterError as exc:
        return json_error(400, f"bad_{exc.param}", exc.message)
    services = request.app[SERVICES]

    def title(entry_id: str) -> str:
        entry = services.kb.entry(entry_id)
        return entry.question if entry else ""

    return await DashboardReport.build(services.db, report_filter, settings.handoff.wait_target_seconds, title)
