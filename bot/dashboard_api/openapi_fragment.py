"""The dashboard API and /metrics in the OpenAPI document (the definitions of every figure are in
the docstrings of bot/analytics/)."""
from __future__ import annotations

from bot.analytics import TABLES
from bot.openapi import ApiFragment

_FILTER = [
    {"name": "from", "in": "query", "schema": {"type": "string"},
     "description": "Start, inclusive: YYYY-MM-DD (midnight in `tz`) or an ISO 8601 time. Default: 30 days before `to`."},
    {"name": "to", "in": "query", "schema": {"type": "string"},
     "description": "End, exclusive, same forms. Default: tomorrow's midnight. At most 366 days after `from`."},
    {"name": "channel", "in": "query", "schema": {"type": "string"}, "description": "A channel name, or `all` (default)."},
    {"name": "tz", "in": "query", "schema": {"type": "string"},
     "description": "IANA time zone for dates, days and hours. Default: handoff.business_hours.timezone, else UTC."},
]
_ERRORS = {str(s): {"$ref": f"#/components/responses/Error{s}"} for s in (400, 401)} | {
    "403": {"$ref": "#/components/responses/AgentError403"}}
_OBJ = {"type": "object", "additionalProperties": True}


def dashboard_fragment() -> ApiFragment:
    table_param = {"name": "table", "in": "path", "required": True, "schema": {"enum": list(TABLES)}}
    format_param = {"name": "format", "in": "query", "schema": {"enum": ["json", "csv"], "default": "json"}}
    return ApiFragment(
        tag="dashboard",
        description="Service analytics for editors and admins (session cookie of /api/agent/login).",
        paths={
            "/api/dashboard/report": {"get": {
                "tags": ["dashboard"], "summary": "Every figure and table of the dashboard for one filter.",
                "security": [{"AgentSession": []}], "parameters": _FILTER,
                "responses": {"200": {"description": "{filter, summary, <table>: [rows], known_channels, tables, wait_target_seconds}",
                                      "content": {"application/json": {"schema": _OBJ}}}} | _ERRORS,
            }},
            "/api/dashboard/report/{table}": {"get": {
                "tags": ["dashboard"], "summary": "One table as JSON, or as CSV (UTF-8 with BOM, for Excel).",
                "security": [{"AgentSession": []}], "parameters": [table_param, *_FILTER, format_param],
                "responses": {"200": {"description": "{filter, table, columns, rows} or a CSV file.",
                                      "content": {"application/json": {"schema": _OBJ}, "text/csv": {"schema": {"type": "string"}}}},
                              "404": {"description": "No such table.",
                                      "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}} | _ERRORS,
            }},
            "/metrics": {"get": {
                "tags": ["dashboard"], "summary": "Prometheus metrics (text format); no login, off with server.metrics_enabled.",
                "responses": {"200": {"description": "Prometheus text exposition format.",
                                      "content": {"text/plain": {"schema": {"type": "string"}}}}},
            }},
        },
    )
