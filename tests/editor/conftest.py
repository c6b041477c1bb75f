"""A real app (fake embedder, the small shop FAQ) with an editor, an admin and an agent, driven over HTTP."""
from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp import FormData

from bot.app import SERVICES, create_app
from bot.editor_api.entry_json import CONTENT_FIELDS
from tests.conftest import make_settings

FAQ = Path(__file__).resolve().parents[1] / "bot" / "fixtures" / "shop_faq.json"
PASSWORD = "correct horse battery"


@pytest.fixture
async def app_client(aiohttp_client, tmp_path):
    return await aiohttp_client(create_app(make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FAQ))))


@pytest.fixture
def services(app_client):
    return app_client.app[SERVICES]


class Session:
    """A signed-in console user: keeps the cookie and sends the CSRF token on changes."""

    def __init__(self, client, csrf: str) -> None:
        self.client, self.csrf = client, csrf

    @classmethod
    async def login(cls, aiohttp_client, app_client, services, username: str, role: str) -> "Session":
        await services.users.create(username, PASSWORD, role)
        client = await aiohttp_client(app_client.server)  # its own cookie jar, same running app
        resp = await client.post("/api/agent/login", json={"username": username, "password": PASSWORD})
        assert resp.status == 200, await resp.text()
        return cls(client, (await resp.json())["csrf_token"])

    def _headers(self) -> dict[str, str]:
        return {"X-CSRF-Token": self.csrf}

    async def get(self, path: str, **params):
        return await self.client.get(path, params=params)

    async def post(self, path: str, body: dict | None = None):
        return await self.client.post(path, json=body if body is not None else {}, headers=self._headers())

    async def put(self, path: str, body: dict):
        return await self.client.put(path, json=body, headers=self._headers())

    async def delete(self, path: str):
        return await self.client.delete(path, headers=self._headers())

    async def upload(self, path: str, name: str, content: bytes, mode: str = "merge"):
        form = FormData()
        form.add_field("mode", mode)
        form.add_field("file", content, filename=name, content_type="application/octet-stream")
        return await self.client.post(path, data=form, headers=self._headers())


@pytest.fixture
async def editor(aiohttp_client, app_client, services) -> Session:
    return await Session.login(aiohttp_client, app_client, services, "ed", "editor")


async def ask(client, sender: str, text: str) -> list[dict]:
    """A customer's question through the Rasa REST channel; the bot's replies."""
    resp = await client.post("/webhooks/rest/webhook", json={"sender": sender, "message": text})
    assert resp.status == 200, await resp.text()
    return await resp.json()


async def read(session: Session, path: str) -> dict:
    """GET an entry: {id, draft, live, revision}."""
    resp = await session.get(path)
    assert resp.status == 200, await resp.text()
    return await resp.json()


def edit(one: dict, **changes) -> dict:
    """A PUT body: the working copy's content with `changes`, based on the revision it was read at."""
    work = one["draft"] or one["live"]
    return {k: v for k, v in work.items() if k in CONTENT_FIELDS and k != "id"} | changes | {
        "base_revision": one["revision"]}
