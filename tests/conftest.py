"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, and test settings."""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import asyncpg
import pytest

from bot.settings import Settings, load_settings
from bot.storage import Database

POSTGRES_URL = os.environ.get("KEFU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def database(request, tmp_path: Path):
    """A migrated, empty database: an SQLite file, or a fresh schema in PostgreSQL."""
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'kefu.db'}")
        await db.migrate()
        yield db
        await db.close()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(_dsn(POSTGRES_URL))
    await conn.execute(f'CREATE SCHEMA "{schema}"')
    db = Database(POSTGRES_URL, schema=schema)
    try:
        await db.migrate()
        yield db
    finally:
        await db.close()
        await conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
        await conn.close()


def make_settings(tmp_path: Path, **env: str) -> Settings:
    """Settings for a test server: temporary data dir, fake embedder, no config file.

    Search runs in the test's process (a search process per test would add ~2 s each); the
    search process has its own tests, and the browser and CLI servers use it as `kefu run` does."""
    base = {
        "KEFU_SERVER__DATA_DIR": str(tmp_path / "data"),
        "KEFU_KNOWLEDGE__MODEL": "fake",
        "KEFU_SERVER__SEARCH_PROCESS": "false",
    }
    return load_settings(None, base | env)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)
