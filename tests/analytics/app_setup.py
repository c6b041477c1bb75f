"""A real kefu app (the dashboard and /metrics included) and console users of each role."""
from __future__ import annotations

from aiohttp import web

from bot.app import SERVICES, create_app
from bot.auth.user_store import UserStore
from bot.settings import Settings

PASSWORD = "correct horse battery"
ROLE_USERS = {"erin": "editor", "ada": "admin", "alex": "agent"}


def dashboard_app(settings: Settings) -> web.Application:
    return create_app(settings)


async def add_role_users(app: web.Application) -> None:
    users = UserStore(app[SERVICES].db)
    for username, role in ROLE_USERS.items():
        await users.create(username, PASSWORD, role, display_name=username.title())
