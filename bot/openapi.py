"""The OpenAPI 3.1 document the server publishes at `/api/openapi.json`.

It is assembled from fragments, one per channel or area, so a new channel documents its own
paths without touching the others: write a function returning an `ApiFragment` and add it to
`FRAGMENTS`. Component names must be unique across fragments (prefix them with the channel,
e.g. `AppMessage`); a clash raises `ValueError` instead of silently replacing a schema.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Callable, Iterable, Mapping

__all__ = ["ApiFragment", "FRAGMENTS", "app_fragment", "build_openapi", "common_fragment", "rasa_rest_fragment"]

Json = dict[str, Any]


@dataclass(frozen=True)
class ApiFragment:
    """Paths and components one area contributes. `components` is keyed like OpenAPI's
    (`schemas`, `responses`, `securitySchemes`, ...)."""

    tag: str = ""
    description: str = ""
    paths: Mapping[str, Json] = field(default_factory=dict)
    components: Mapping[str, Mapping[str, Json]] = field(default_factory=dict)


def _ref(kind: str, name: str) -> Json:
    return {"$ref": f"#/components/{kind}/{name}"}


def _json(schema: Json, description: str) -> Json:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> Json:
    return {str(status): _ref("responses", f"Error{status}") for status in statuses}


_ERROR_TEXT = {
    400: "Invalid input: malformed JSON, a missing or empty field, text over the length limit.",
    401: "Missing, expired or invalid token.",
    413: "Request body larger than `server.max_body_bytes`.",
    429: "Too many open connections for this user.",
    500: "The message could not be processed; resending it with the same `id` is safe.",
    503: "The channel is not configured on this server (for the app channel: no KEFU_APP_TOKEN_SECRET).",
}


def common_fragment() -> ApiFragment:
    """Shapes every area shares: the error body and quick-reply buttons."""
    return ApiFragment(components={
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "description": "Stable machine-readable code, e.g. `empty_text`."},
                        "message": {"type": "string", "description": "What is wrong, for a developer."},
                    },
                }},
            },
            "Button": {
                "type": "object",
                "required": ["title", "payload"],
                "properties": {
                    "title": {"type": "string", "description": "Shown on the button."},
                    "payload": {"type": "string", "description": "Send this back as the message text when pressed."},
                },
            },
        },
        "responses": {f"Error{status}": _json(_ref("schemas", "Error"), text) for status, text in _ERROR_TEXT.items()},
    })


def app_fragment() -> ApiFragment:
    """The mobile-app channel (`connectors/app_api.py`)."""
    token = [{"appToken": []}]
    message = {
        "type": "object",
        "required": ["id", "author", "text", "buttons", "kind", "created_at"],
        "properties": {
            "id": {"type": "string"},
            "author": {"enum": ["customer", "bot", "agent", "system"]},
            "text": {"type": "string"},
            "buttons": {"type": "array", "items": _ref("schemas", "Button")},
            "kind": {"type": "string", "description": "text, answer, clarify, no_answer, handoff, ..."},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
    message_in = {
        "type": "object",
        "required": ["text"],
        "properties": {
            "text": {"type": "string", "minLength": 1, "description": "At most `server.max_message_chars`."},
            "id": {"type": "string", "maxLength": 200,
                   "description": "Client message id (a uuid): resending the same id returns the same replies."},
            "metadata": {"type": "object", "description": "Free-form context, e.g. the app screen."},
        },
    }
    conversation_id = {"type": ["string", "null"]}
    replies = {"type": "object", "required": ["conversation_id", "replies"], "properties": {
        "conversation_id": conversation_id, "replies": {"type": "array", "items": _ref("schemas", "AppMessage")}}}
    transcript = {"type": "object", "required": ["conversation_id", "messages"], "properties": {
        "conversation_id": conversation_id, "messages": {"type": "array", "items": _ref("schemas", "AppMessage")}}}
    server_frame = {"oneOf": [
        {"type": "object", "description": "Pushed out of band: an agent's reply, a queue update.",
         "properties": {"type": {"const": "message"}, "conversation_id": {"type": "string"},
                        "message": _ref("schemas", "AppMessage")}},
        {"type": "object", "description": "The answer to a client `message` frame.",
         "properties": {"type": {"const": "replies"}, "in_reply_to": {"type": ["string", "null"]},
                        "conversation_id": conversation_id,
                        "replies": {"type": "array", "items": _ref("schemas", "AppMessage")}}},
        {"type": "object", "description": "A frame was refused; the socket stays open.",
         "properties": {"type": {"const": "error"}, "in_reply_to": {}, "error": _ref("schemas", "Error")}},
    ]}
    client_frame = {"allOf": [message_in, {"type": "object", "required": ["type"],
                                           "properties": {"type": {"const": "message"}}}]}
    return ApiFragment(
        tag="app",
        description="Mobile-app channel. The app backend mints a short-lived HS256 JWT per user "
                    "(claims `sub`, `exp`, optional `iat`, `name`, `lang`) with KEFU_APP_TOKEN_SECRET. "
                    "Error codes: `invalid_token` (401), `not_configured` (503), `malformed_json`, "
                    "`missing_text`, `empty_message`, `message_too_long`, `bad_message_id`, `bad_metadata`, "
                    "`not_websocket`, `bad_frame` (400), `body_too_large` (413), `too_many_sockets` (429), "
                    "`server_error` (500).",
        paths={
            "/api/app/messages": {"post": {
                "tags": ["app"], "operationId": "appSendMessage", "summary": "Send a customer message",
                "security": token,
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("schemas", "AppMessageIn")}}},
                "responses": {"200": _json(_ref("schemas", "AppReplies"), "The bot's replies (stored).")}
                             | _errors(400, 401, 413, 500, 503),
            }},
            "/api/app/conversation": {"get": {
                "tags": ["app"], "operationId": "appConversation", "summary": "The customer's current conversation",
                "security": token,
                "responses": {"200": _json(_ref("schemas", "AppTranscript"), "Messages, oldest first.")}
                             | _errors(401, 503),
            }},
            "/api/app/ws": {"get": {
                "tags": ["app"], "operationId": "appWebSocket", "summary": "WebSocket for pushed messages",
                "description": "Upgrade to a WebSocket. Server frames: `AppServerFrame`; client frames: "
                               "`AppClientFrame`. The token may be sent as `?token=` because WebSocket "
                               "clients cannot always set headers. The server closes the socket with code "
                               "4001 when the token expires: reconnect with a fresh one, then read "
                               "`/api/app/conversation` for anything missed.",
                "security": [{"appToken": []}, {"appTokenQuery": []}],
                "responses": {"101": {"description": "Switching protocols."}} | _errors(400, 401, 429, 503),
            }},
        },
        components={
            "schemas": {"AppMessage": message, "AppMessageIn": message_in, "AppReplies": replies,
                        "AppTranscript": transcript, "AppServerFrame": server_frame, "AppClientFrame": client_frame},
            "securitySchemes": {
                "appToken": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                             "description": "HS256 JWT minted by the app backend with KEFU_APP_TOKEN_SECRET."},
                "appTokenQuery": {"type": "apiKey", "in": "query", "name": "token",
                                  "description": "The same token, for WebSocket clients that cannot set headers."},
            },
        },
    )


def rasa_rest_fragment() -> ApiFragment:
    """Rasa's REST channel, so existing Rasa front ends work unchanged (implemented in bot/app)."""
    reply = {
        "type": "object",
        "required": ["recipient_id"],
        "description": "Keys whose value would be null are left out.",
        "properties": {
            "recipient_id": {"type": "string"},
            "text": {"type": "string"},
            "buttons": {"type": "array", "items": _ref("schemas", "Button")},
            "image": {"type": "string", "format": "uri"},
            "custom": {"type": "object"},
        },
    }
    message = {
        "type": "object",
        "required": ["sender", "message"],
        "properties": {"sender": {"type": "string", "minLength": 1}, "message": {"type": "string", "minLength": 1},
                       "metadata": {"type": "object"}},
    }
    return ApiFragment(
        tag="rasa-rest",
        description="Rasa-compatible REST channel.",
        paths={
            "/webhooks/rest/webhook": {"post": {
                "tags": ["rasa-rest"], "operationId": "rasaRestWebhook", "summary": "Send a message, Rasa style",
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("schemas", "RasaRestMessage")}}},
                "responses": {"200": _json({"type": "array", "items": _ref("schemas", "RasaRestReply")}, "The bot's replies.")}
                             | _errors(400, 413),
            }},
            "/webhooks/rest/": {"get": {
                "tags": ["rasa-rest"], "operationId": "rasaRestHealth", "summary": "Channel health",
                "responses": {"200": _json({"type": "object", "properties": {"status": {"const": "ok"}}}, "Running.")},
            }},
        },
        components={"schemas": {"RasaRestMessage": message, "RasaRestReply": reply}},
    )


# Add a channel's fragment here to publish its paths.
FRAGMENTS: tuple[Callable[[], ApiFragment], ...] = (common_fragment, app_fragment, rasa_rest_fragment)


def build_openapi(fragments: Iterable[ApiFragment] | None = None) -> Json:
    """The whole document; a fresh dict each call, so a caller may add to it."""
    from bot.agent_api.openapi_fragment import agent_fragment  # the agent API builds on this module
    from bot.dashboard_api.openapi_fragment import dashboard_fragment
    from bot.editor_api.openapi_fragment import editor_fragment

    makers = (*FRAGMENTS, agent_fragment, dashboard_fragment, editor_fragment)
    parts = [make() for make in makers] if fragments is None else list(fragments)
    document: Json = {
        "openapi": "3.1.0",
        "info": {"title": "kefu", "version": _version(),
                 "description": "Customer-service bot: channels, knowledge base and handoff."},
        "tags": [{"name": p.tag, "description": p.description} for p in parts if p.tag],
        "paths": {},
        "components": {},
    }
    for part in parts:
        _merge(document["paths"], part.paths, "path")
        for kind, items in part.components.items():
            _merge(document["components"].setdefault(kind, {}), items, f"components.{kind}")
    return document


def _merge(target: Json, items: Mapping[str, Json], what: str) -> None:
    for name, value in items.items():
        if name in target:
            raise ValueError(f"OpenAPI {what} '{name}' is defined by two fragments")
        target[name] = value


def _version() -> str:
    try:
        return metadata.version("kefu")
    except metadata.PackageNotFoundError:  # running from a checkout that was never installed
        return "0.0.0"
