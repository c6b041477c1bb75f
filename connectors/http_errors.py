"""JSON error answers shared by the HTTP channels: `{"error": {"code", "message"}}`."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web


def json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object, or an HTTPException with a clear JSON error."""
    try:
        body = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise _http(web.HTTPRequestEntityTooLarge, "body_too_large", "请求体过大 / The request body is too large.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _http(web.HTTPBadRequest, "malformed_json", "请求体不是有效的 JSON / The body is not valid JSON.")
    if not isinstance(data, dict):
        raise _http(web.HTTPBadRequest, "malformed_json", "请求体必须是 JSON 对象 / The body must be a JSON object.")
    return data


def _http(cls: type[web.HTTPException], code: str, message: str) -> web.HTTPException:
    return cls(
        text=json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False),
        content_type="application/json",
    )
