"""Two server instances on one database and one Redis, as when running several processes."""
from __future__ import annotations

import uuid

import pytest
import redis.asyncio as redis

from bot.app import create_app
from tests.bot.dialogue_harness import FIXTURES
from tests.conftest import make_settings
from tests.redis_keys import REDIS_URL, drop_keys


@pytest.fixture
async def two_servers(aiohttp_client, tmp_path):
    prefix = f"test-{uuid.uuid4().hex[:8]}"  # isolated from other runs, and removed afterwards
    env = {
        "KEFU_KNOWLEDGE__DEMO_KB": str(FIXTURES / "shop_faq.json"),
        "KEFU_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}",
        "KEFU_CLUSTER__REDIS_URL": REDIS_URL,
        "KEFU_CLUSTER__REDIS_PREFIX": prefix,
    }
    first = await aiohttp_client(create_app(make_settings(tmp_path / "a", **env)))
    second = await aiohttp_client(create_app(make_settings(tmp_path / "b", **env)))
    yield first, second
    client = redis.from_url(REDIS_URL)
    await drop_keys(client, f"{prefix}:*")
    await client.aclose()
