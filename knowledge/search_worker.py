"""The search process's side of `SearchProcess`: builds the retriever (encoder, indexes, intent
head) and answers searches and rebuilds sent by the web process.

Searches go through a `SearchBatcher`, as they would in one process: concurrent questions are
encoded together and ranked in order with the index work. Rebuilds run beside searches (the
retriever swaps in a finished index), so customers keep getting answers meanwhile.
"""
from __future__ import annotations

import asyncio
import importlib
import logging
import os
import socket
import sys
from typing import Callable

from knowledge.pipe_frames import frame, picklable_error, read_frame
from knowledge.search_batcher import SearchBatcher

__all__ = ["main"]

log = logging.getLogger("knowledge.search_process")


def main() -> None:
    """`python -m knowledge.search_worker FD`: FD is our end of the web process's socketpair."""
    level = int(os.environ.get("KEFU_SEARCH_LOG_LEVEL", logging.INFO))  # the web process's
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s[search]: %(message)s")
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)  # which CPU build it tried, at every start
    asyncio.run(_serve(socket.socket(fileno=int(sys.argv[1]))))


async def _serve(sock: socket.socket) -> None:
    reader, writer = await asyncio.open_unix_connection(sock=sock, limit=2**26)
    try:
        factory, args = await read_frame(reader)  # "module:function" and its arguments
        module, name = factory.split(":")
        retriever = await asyncio.to_thread(getattr(importlib.import_module(module), name), *args)
    except BaseException as exc:
        log.exception("could not start the search process")
        writer.write(frame(("failed", f"{type(exc).__name__}: {exc}")))
        await writer.drain()
        return
    batcher = SearchBatcher(retriever.search_batch, retriever.encode_queries)
    operations = {
        "search": batcher.search,
        "search_batch": lambda texts, k: batcher.run(retriever.search_batch, texts, k),
        "build": lambda entries, version: asyncio.to_thread(retriever.build, entries, version),
    }
    writer.write(frame(("ready", {"pid": os.getpid()})))
    running: set[asyncio.Task] = set()
    try:
        while True:
            try:
                call_id, operation, call_args = await read_frame(reader)
            except (asyncio.IncompleteReadError, ConnectionError):
                return  # the web process closed us or has gone
            task = asyncio.create_task(_answer(writer, call_id, operations[operation], call_args))
            running.add(task)
            task.add_done_callback(running.discard)
    finally:
        batcher.close()


async def _answer(writer: asyncio.StreamWriter, call_id: int, operation: Callable, args: tuple) -> None:
    try:
        reply = (call_id, True, await operation(*args))
    except Exception as exc:
        reply = (call_id, False, picklable_error(exc))
    if not writer.is_closing():
        writer.write(frame(reply))


if __name__ == "__main__":
    main()
