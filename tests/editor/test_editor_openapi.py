"""Every editor route is in the published OpenAPI document, which stays valid."""
from __future__ import annotations

import re

from aiohttp import web
from openapi_spec_validator import validate

from bot.editor_api import setup_editor_api
from bot.openapi import build_openapi


def test_every_editor_route_is_documented() -> None:
    document = build_openapi()
    validate(document)
    app = web.Application()
    setup_editor_api(app)
    routes = [(route.method.lower(), re.sub(r"\{id:[^}]+\}", "{id}", route.resource.canonical))
              for route in app.router.routes() if route.resource.canonical.startswith("/api/editor")]
    assert routes and len(routes) > 15
    missing = [(m, p) for m, p in routes if m != "head" and m not in document["paths"].get(p, {})]
    assert missing == []
    discard = document["paths"]["/api/editor/entries/{id}/discard"]["post"]
    assert discard["requestBody"]["content"]["application/json"]["schema"]["required"] == ["base_revision"]
    conflict = document["components"]["responses"]["EditorError409"]["content"]["application/json"]["schema"]
    assert "changed_by" in conflict["properties"]["error"]["properties"]
