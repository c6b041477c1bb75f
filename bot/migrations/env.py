"""Alembic environment: migrates the bot's and the knowledge base's tables together.

`Database.migrate()` passes its own connection (no second engine); the `alembic` command line
(`alembic -c alembic.ini ...`) builds one from KEFU_DATABASE_URL or the default SQLite file.
"""
from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

import bot.storage.editor_tables  # noqa: F401  (registers its tables on the bot metadata)
from bot.storage.tables import metadata as bot_metadata
from knowledge.tables import metadata as knowledge_metadata

target_metadata = [bot_metadata, knowledge_metadata]


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite can't ALTER most things
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    from bot.settings import load_settings

    engine = create_async_engine(load_settings().database_url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_with_own_engine())
