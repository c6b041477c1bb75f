"""What the database-using CLI commands share: an async handler wrapper and an open, migrated DB."""
from __future__ import annotations

import argparse
import asyncio
from contextlib import asynccontextmanager
from typing import AsyncIterator, Awaitable, Callable

from bot.settings import Settings
from bot.storage import Database

AsyncHandler = Callable[[Settings, argparse.Namespace], Awaitable[int]]


def run_async(handler: AsyncHandler) -> Callable[[Settings, argparse.Namespace], int]:
    """An argparse handler that runs an async command to completion."""

    def run(settings: Settings, args: argparse.Namespace) -> int:
        return asyncio.run(handler(settings, args))

    return run


@asynccontextmanager
async def migrated_database(settings: Settings) -> AsyncIterator[Database]:
    """The project database, brought to the newest schema, closed on exit."""
    settings.server.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    try:
        await db.migrate()
        yield db
    finally:
        await db.close()
