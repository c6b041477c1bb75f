"""The Telegram channel inside the real app, talking to a local fake Bot API."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import CHANNEL_MAP, SERVICES, create_app
from bot.settings import Settings
from bot.storage.tables import messages
from connectors.telegram import TelegramChannel
from tests.conftest import make_settings
from tests.connectors.telegram.fake_telegram_server import TOKEN, FakeTelegramServer

PAYLOADS = Path(__file__).parent / "payloads"
SHOP_FAQ = Path(__file__).resolve().parents[2] / "bot" / "fixtures" / "shop_faq.json"
SECRET = "telegram-webhook-secret-for-tests"
CHAT = 987654321


def payload(name: str) -> dict:
    return copy.deepcopy(json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8")))


def telegram_settings(tmp_path: Path, fake: FakeTelegramServer, **env: str) -> Settings:
    return make_settings(tmp_path, **{
        "KEFU_KNOWLEDGE__DEMO_KB": str(SHOP_FAQ),
        "KEFU_ACTIONS__URL": "http://127.0.0.1:9/webhook",
        "KEFU_CHANNELS__TELEGRAM__ENABLED": "true",
        "KEFU_CHANNELS__TELEGRAM__API_BASE_URL": fake.url,
        "KEFU_CHANNELS__TELEGRAM__PER_CHAT_INTERVAL_SECONDS": "0",
        "KEFU_CHANNELS__TELEGRAM__GLOBAL_PER_SECOND": "1000",
        "KEFU_TELEGRAM_TOKEN": TOKEN,
        "KEFU_TELEGRAM_WEBHOOK_SECRET": SECRET,
    } | env)


@pytest.fixture
async def fake_telegram(aiohttp_server) -> FakeTelegramServer:
    fake = FakeTelegramServer()
    server = await aiohttp_server(fake.app)
    fake.url = str(server.make_url("")).rstrip("/")
    return fake


@pytest.fixture
async def client(aiohttp_client, tmp_path, fake_telegram):
    return await aiohttp_client(create_app(telegram_settings(tmp_path, fake_telegram)))


def channel_of(client) -> TelegramChannel:
    return client.app[CHANNEL_MAP]["telegram"]


async def stored(client) -> list:
    """Every message in the database, oldest first."""
    async with client.app[SERVICES].db.engine.connect() as conn:
        return (await conn.execute(select(messages).order_by(messages.c.pos))).all()


async def post_update(client, update: dict, secret: str | None = SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return await client.post("/webhooks/telegram", json=update, headers=headers)


_update_ids = iter(range(727100000, 727900000))


def next_update_id() -> int:
    """A fresh update_id: no two updates alike in a run, as Telegram numbers them."""
    return next(_update_ids)


def text_update(text: str) -> dict:
    """The recorded text message with new text and a fresh update_id."""
    update = payload("text_message")
    update["update_id"] = next_update_id()
    update["message"]["text"] = text
    return update
