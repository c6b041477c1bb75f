"""Waiting for background work in tests. The limits only stop a broken test from hanging;
nothing asserts how long anything took."""
from __future__ import annotations

import asyncio
from typing import Callable


async def until(condition: Callable[[], object], limit: float = 20.0) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), limit)


async def next_frame(ws, predicate: Callable[[dict], bool], limit: float = 5.0) -> dict:
    """The next JSON frame on a WebSocket that satisfies `predicate`; others are skipped."""
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), limit)
        if predicate(frame):
            return frame
