"""The published OpenAPI document is valid OpenAPI 3.1 and can be extended safely."""
from __future__ import annotations

import pytest
from openapi_spec_validator import validate

from bot.openapi import ApiFragment, FRAGMENTS, build_openapi, common_fragment


def test_document_is_valid_openapi_3_1() -> None:
    document = build_openapi()
    validate(document)  # raises on any schema or $ref error
    assert document["openapi"].startswith("3.1")


def test_documents_the_app_channel_and_the_rasa_rest_channel() -> None:
    document = build_openapi()
    paths = document["paths"]
    assert set(paths) >= {"/api/app/messages", "/api/app/conversation", "/api/app/ws",
                          "/webhooks/rest/webhook", "/webhooks/rest/"}
    assert paths["/api/app/messages"]["post"]["security"] == [{"appToken": []}]
    assert document["components"]["securitySchemes"]["appToken"]["bearerFormat"] == "JWT"
    error = paths["/api/app/messages"]["post"]["responses"]["401"]
    assert error == {"$ref": "#/components/responses/Error401"}
    reply = document["components"]["schemas"]["RasaRestReply"]
    assert reply["required"] == ["recipient_id"] and "buttons" in reply["properties"]


def test_a_new_fragment_adds_paths_and_stays_valid() -> None:
    extra = ApiFragment(tag="demo", description="Example", paths={"/api/demo": {"get": {
        "responses": {"200": {"description": "ok"}, "400": {"$ref": "#/components/responses/Error400"}}}}})
    document = build_openapi([make() for make in FRAGMENTS] + [extra])
    validate(document)
    assert "/api/demo" in document["paths"] and {"name": "demo", "description": "Example"} in document["tags"]


def test_clashing_components_are_refused() -> None:
    with pytest.raises(ValueError, match="Error"):
        build_openapi([common_fragment(), common_fragment()])
