"""A real app (fake embedder, small shop FAQ) with console users, driven over HTTP."""
from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import SERVICES, create_app
from connectors.app_token import mint_app_token
from tests.conftest import make_settings

FAQ = Path(__file__).resolve().parents[1] / "bot" / "fixtures" / "shop_faq.json"
SECRET = "handoff-tests-app-secret-0123456789abcdef"
PASSWORD = "correct horse battery"


@pytest.fixture
async def app_client(aiohttp_client, tmp_path):
    settings = make_settings(
        tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FAQ), KEFU_APP_TOKEN_SECRET=SECRET, KEFU_HANDOFF__ROUTING="claim"
    )
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def services(app_client):
    return app_client.app[SERVICES]


def customer_headers(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_app_token(SECRET, user, 300)}"}


class Agent:
    """An agent's session over the Agent API: keeps the cookie and sends the CSRF token."""

    def __init__(self, client, csrf: str, user: dict) -> None:
        self.client, self.csrf, self.user = client, csrf, user

    @classmethod
    async def login(cls, aiohttp_client, server, username: str) -> "Agent":
        client = await aiohttp_client(server)  # its own cookie jar, same running app
        resp = await client.post("/api/agent/login", json={"username": username, "password": PASSWORD})
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        return cls(client, body["csrf_token"], body["user"])

    async def get(self, path: str):
        return await self.client.get(path)

    async def post(self, path: str, body: dict | None = None):
        return await self.client.post(path, json=body or {}, headers={"X-CSRF-Token": self.csrf})

    async def put(self, path: str, body: dict):
        return await self.client.put(path, json=body, headers={"X-CSRF-Token": self.csrf})
