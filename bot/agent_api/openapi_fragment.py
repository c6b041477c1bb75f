"""The Agent API in the OpenAPI document (docs/agent_api.md has the prose)."""
from __future__ import annotations

from bot.openapi import ApiFragment

_OBJ = {"type": "object", "additionalProperties": True}
_ERRORS = {
    403: "Role not allowed, or missing/wrong X-CSRF-Token on a state-changing request.",
    404: "Unknown conversation or ticket, or one that is not yours.",
    409: "The conversation is in the wrong state (already claimed, resolved, not held by you).",
    415: "Login must be sent as JSON.",
}


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _ok(description: str, schema: dict | None = None, status: str = "200") -> dict:
    return {status: {"description": description, "content": {"application/json": {"schema": schema or _OBJ}}}}


def _op(summary: str, ok: dict, errors: tuple[int, ...], body: dict | None = None, csrf: bool = False) -> dict:
    op: dict = {"tags": ["agent"], "summary": summary, "security": [{"AgentSession": []}], "responses": dict(ok)}
    for status in errors:
        op["responses"][str(status)] = _ref("responses", f"AgentError{status}" if status in _ERRORS else f"Error{status}")
    if body is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    if csrf:
        op["parameters"] = [{"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}}]
    return op


def _text_body() -> dict:
    return {"type": "object", "required": ["text"], "properties": {"text": {"type": "string", "minLength": 1}}}


def _conv_id() -> list:
    return [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def agent_fragment() -> ApiFragment:
    conv = lambda summary, ok, errors, body=None: _op(summary, ok, errors, body, csrf=True)  # noqa: E731
    paths = {
        "/api/agent/login": {"post": {
            "tags": ["agent"], "summary": "Log in; sets the HttpOnly session cookie and returns the CSRF token.",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}}}}},
            "responses": _ok("Logged in: {user, csrf_token}.") | {
                "400": _ref("responses", "Error400"), "401": _ref("responses", "Error401"),
                "415": _ref("responses", "AgentError415"), "429": _ref("responses", "Error429")},
        }},
        "/api/agent/logout": {"post": _op("Log out.", {"204": {"description": "Logged out."}}, (401, 403), csrf=True)},
        "/api/agent/me": {"get": _op("The logged-in user and the CSRF token.", _ok("{user, csrf_token}"), (401,))},
        "/api/agent/me/status": {"put": _op(
            "Set status online / away / offline.", _ok("{user}"), (400, 401, 403),
            {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["online", "away", "offline"]}}},
            csrf=True)},
        "/api/agent/queue": {"get": _op("Waiting conversations, oldest first.", _ok("{queue: [QueueItem]}"), (401, 403))},
        "/api/agent/conversations": {"get": _op(
            "Conversations routed to me (admin: all).", _ok("{conversations: [Summary]}"), (400, 401, 403))
            | {"parameters": [{"name": "state", "in": "query", "schema": {"enum": ["agent", "queued", "closed", "all"]}}]}},
        "/api/agent/conversations/{id}": {"get": _op(
            "A conversation with its context: transcript, previous conversations, handoff reason, the bot's "
            "candidates for unanswered questions, customer profile, notes, reply window.",
            _ok("Context"), (401, 403, 404)) | {"parameters": _conv_id()}},
        "/api/agent/conversations/{id}/claim": {"parameters": _conv_id(), "post": conv(
            "Take a queued conversation.", _ok("{conversation}"), (401, 403, 404, 409))},
        "/api/agent/conversations/{id}/messages": {"parameters": _conv_id(), "post": conv(
            "Send a message to the customer on their own channel.", _ok("{message}", status="201"),
            (400, 401, 403, 404, 409), _text_body())},
        "/api/agent/conversations/{id}/transfer": {"parameters": _conv_id(), "post": conv(
            "Transfer to another agent ({agent_id}) or back to the queue ({queue: true}).", _ok("{conversation}"),
            (400, 401, 403, 404, 409),
            {"type": "object", "properties": {"agent_id": {"type": "string"}, "queue": {"type": "boolean"}}})},
        "/api/agent/conversations/{id}/resolve": {"parameters": _conv_id(), "post": conv(
            "Resolve: the bot takes over and asks the customer for a rating.", _ok("{conversation}"),
            (401, 403, 404, 409))},
        "/api/agent/conversations/{id}/notes": {"parameters": _conv_id(), "post": conv(
            "Add an internal note (never shown to the customer).", _ok("{note}", status="201"),
            (400, 401, 403, 404), _text_body())},
        "/api/agent/agents": {"get": _op("Agents and admins (transfer targets).", _ok("{agents: [User]}"), (401, 403))},
        "/api/agent/kb/search": {"get": _op("Search the knowledge base.", _ok("{results}"), (400, 401, 403))
            | {"parameters": [{"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}]}},
        "/api/agent/tickets": {"get": _op("Tickets left while nobody was online.", _ok("{tickets}"), (400, 401, 403))
            | {"parameters": [{"name": "status", "in": "query", "schema": {"enum": ["open", "closed"]}}]}},
        "/api/agent/tickets/{id}/close": {"parameters": _conv_id(), "post": conv(
            "Close a ticket.", _ok("{ticket}"), (401, 403, 404))},
        "/api/agent/ws": {"get": _op(
            "WebSocket of live events: queue, assigned, message, conversation.",
            {"101": {"description": "Switching protocols"}}, (401, 403))},
    }
    responses = {
        f"AgentError{status}": {"description": text, "content": {"application/json": {"schema": _ref("schemas", "Error")}}}
        for status, text in _ERRORS.items()
    }
    return ApiFragment(
        tag="agent",
        description="The Agent API the console is built on; a CRM can use it too (docs/agent_api.md).",
        paths=paths,
        components={
            "responses": responses,
            "securitySchemes": {"AgentSession": {"type": "apiKey", "in": "cookie", "name": "kefu_session"}},
        },
    )
