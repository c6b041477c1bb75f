"""Console login: session cookies (HttpOnly, SameSite=Strict), CSRF tokens, roles on every request."""
from __future__ import annotations

import asyncio
import hmac
import time
from collections import defaultdict, deque

from aiohttp import web

from bot.app_keys import SERVICES
from bot.auth import Session, User, UserError
from connectors.http_errors import json_error, read_json_object

COOKIE = "kefu_session"
CSRF_HEADER = "X-CSRF-Token"
FAILED_LOGIN_DELAY = 1.0  # seconds; slows down password guessing
_MAX_FAILURES = 10
_FAILURE_WINDOW = 15 * 60
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

LOGIN_LIMIT = web.AppKey("login_failures", dict)


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def authenticate(request: web.Request, roles: tuple[str, ...]) -> tuple[User, Session]:
    """The logged-in user, checked for role and (on state-changing requests) for the CSRF token."""
    services = request.app[SERVICES]
    session = await services.sessions.get(request.cookies.get(COOKIE, ""))
    if session is None:
        raise AuthError(401, "not_logged_in", "请先登录 / Please log in.")
    user = await services.users.get(session.user_id)
    if user is None or user.disabled:
        raise AuthError(401, "not_logged_in", "请先登录 / Please log in.")
    if user.role not in roles:
        raise AuthError(403, "forbidden", "您的角色无权访问 / Your role may not use this.")
    if request.method not in _SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise AuthError(403, "csrf", "缺少或错误的 CSRF 令牌 / Missing or wrong CSRF token; reload the page.")
    return user, session


def guarded(roles: tuple[str, ...]):
    """Decorator: run the handler with (request, user) or answer the auth error as JSON."""

    def wrap(handler):
        async def run(request: web.Request) -> web.StreamResponse:
            try:
                user, _session = await authenticate(request, roles)
            except AuthError as exc:
                return json_error(exc.status, exc.code, exc.message)
            return await handler(request, user)

        return run

    return wrap


async def login(request: web.Request) -> web.Response:
    if request.content_type != "application/json":  # a cross-site form can't send JSON
        return json_error(415, "json_required", "请以 JSON 发送 / Send the login as JSON.")
    data = await read_json_object(request)
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or not username or not password:
        return json_error(400, "missing_credentials", "请输入用户名和密码 / Enter a username and a password.")
    failures = _failures(request, username)
    if len(failures) >= _MAX_FAILURES:
        return json_error(429, "too_many_attempts", "尝试次数过多，请 15 分钟后再试 / Too many attempts; try again in 15 minutes.")
    services = request.app[SERVICES]
    user = await services.users.verify(username, password)
    if user is None:
        failures.append(time.monotonic())
        await asyncio.sleep(FAILED_LOGIN_DELAY)
        return json_error(401, "bad_credentials", "用户名或密码错误 / Wrong username or password.")
    failures.clear()
    token, session = await services.sessions.create(user.id)
    response = web.json_response({"user": await _user_view(request, user), "csrf_token": session.csrf_token})
    response.set_cookie(
        COOKIE, token, httponly=True, samesite="Strict", secure=request.secure, path="/",
        max_age=int(services.sessions.max_age.total_seconds()),
    )
    return response


@guarded(("admin", "editor", "agent"))
async def logout(request: web.Request, user: User) -> web.Response:
    await request.app[SERVICES].sessions.delete(request.cookies.get(COOKIE, ""))
    response = web.Response(status=204)
    response.del_cookie(COOKIE, path="/")
    return response


async def me(request: web.Request) -> web.Response:
    try:
        user, session = await authenticate(request, ("admin", "editor", "agent"))
    except AuthError as exc:
        return json_error(exc.status, exc.code, exc.message)
    return web.json_response({"user": await _user_view(request, user), "csrf_token": session.csrf_token})


@guarded(("admin", "agent"))
async def set_status(request: web.Request, user: User) -> web.Response:
    data = await read_json_object(request)
    try:
        updated = await request.app[SERVICES].desk.set_status(user, str(data.get("status", "")))
    except UserError as exc:
        return json_error(400, "bad_status", str(exc))
    return web.json_response({"user": await _user_view(request, updated)})


async def _user_view(request: web.Request, user: User) -> dict:
    active = await request.app[SERVICES].handoffs.active_counts()
    return user.public() | {"active": active.get(user.id, 0)}


def _failures(request: web.Request, username: str) -> deque:
    table = request.app.setdefault(LOGIN_LIMIT, defaultdict(deque))
    failures = table[username.lower()]
    while failures and time.monotonic() - failures[0] > _FAILURE_WINDOW:
        failures.popleft()
    return failures
