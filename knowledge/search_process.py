"""A retriever in its own process, so that search and the web server each get an interpreter.

In one process every request's Python (HTTP, dialogue, storage, ranking, encoder glue) queues for
one interpreter lock, and the server used ~1.3 of 2 cores at best. `SearchProcess` moves the
encoder, the indexes and the intent head (the bulk of the memory too) into a child process
(`knowledge/search_worker.py`) and talks to it over a socketpair with pickled frames.

It stands in for a `Retriever` where the knowledge base and the editor use one: `build` and
`search_batch` block (call them from a thread), `search` is a coroutine. If the child dies, it is
started again with the last build, and the calls it had not answered are sent again (a call the
child was working on when it died twice fails instead, so one bad input cannot crash it forever).
"""
from __future__ import annotations

import asyncio
import itertools
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from knowledge.pipe_frames import frame, read_frame
from knowledge.types import FaqEntry, SearchResult

__all__ = ["SearchProcess", "SearchProcessError"]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2  # a call in flight when the child died this often fails instead of going again


class SearchProcessError(RuntimeError):
    """The search process could not start, or stopped and could not be started again."""


@dataclass
class _Call:
    operation: str
    args: tuple
    future: Any  # asyncio.Future of the web process's loop
    attempts: int = field(default=0)


class SearchProcess:
    def __init__(self, factory: str, args: tuple = (), start_timeout: float = 300.0) -> None:
        """`factory` ("module:function") is called with `args` in the child and returns the Retriever;
        named, not passed, so this process never imports what the child needs (torch, faiss, ...)."""
        self._factory, self._args = factory, args
        self._start_timeout = start_timeout
        self._calls: dict[int, _Call] = {}
        self._ids = itertools.count()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._socket: socket.socket | None = None
        self._process: subprocess.Popen | None = None
        self._ready = asyncio.Event()
        self._last_build: tuple[list[FaqEntry], str] | None = None
        self._closed = False
        self._restarts: list[float] = []
        self._tasks: set[asyncio.Task] = set()
        self.pid: int | None = None

    async def start(self) -> "SearchProcess":
        self._loop = asyncio.get_running_loop()
        await self._spawn()
        self._ready.set()
        return self

    # -- the Retriever's interface -----------------------------------------------------------------

    async def search(self, text: str) -> SearchResult:
        return await self._call("search", text)

    async def build_async(self, entries: Sequence[FaqEntry], version: str) -> None:
        entries = list(entries)
        self._last_build = (entries, version)
        await self._call("build", entries, version)

    def build(self, entries: Sequence[FaqEntry], version: str, progress: bool = False) -> None:
        """Like `Retriever.build`; blocks, so call it from a thread (progress shows in the child's log)."""
        self._blocking(self.build_async(entries, version))

    def search_batch(self, texts: Sequence[str], k: int = 5) -> list[SearchResult]:
        """Like `Retriever.search_batch`; blocks, so call it from a thread."""
        return self._blocking(self._call("search_batch", list(texts), k))

    def close(self) -> None:
        if self._closed and (self._process is None or self._process.poll() is not None):
            return
        self._closed = True
        for task in self._tasks:
            task.cancel()
        if self._socket is not None:
            try:
                self._socket.shutdown(socket.SHUT_RDWR)  # now, not on the loop's next turn: the child exits
            except OSError:
                pass  # already closed
            self._writer.close()
        self._fail_all(SearchProcessError("the search process was closed"))
        if self._process is not None:
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)

    # -- calls -----------------------------------------------------------------------------------

    async def _call(self, operation: str, *args: Any) -> Any:
        if self._closed:
            raise SearchProcessError("the search process was closed")
        future = asyncio.get_running_loop().create_future()
        call_id = next(self._ids)
        self._calls[call_id] = _Call(operation, args, future)
        if self._ready.is_set():
            self._writer.write(frame((call_id, operation, args)))
        return await future  # else sent when the restarted child is ready

    def _blocking(self, coroutine) -> Any:
        if self._loop is None:
            raise SearchProcessError("the search process was not started")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                call_id, ok, value = await read_frame(reader)
                call = self._calls.pop(call_id, None)
                if call is None or call.future.done():
                    continue
                if ok:
                    call.future.set_result(value)
                else:
                    call.future.set_exception(value)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        if not self._closed:
            self._ready.clear()
            self._track(asyncio.get_running_loop().create_task(self._restart()))

    # -- the child -------------------------------------------------------------------------------

    async def _spawn(self) -> None:
        sock, theirs = socket.socketpair()
        # A new interpreter, not a fork: this process has threads; the child's end is its only
        # inherited descriptor, and it exits when it reads end-of-file on it (this process gone).
        root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
                   KEFU_SEARCH_LOG_LEVEL=str(logging.getLogger().getEffectiveLevel()))
        command = [sys.executable, "-m", "knowledge.search_worker", str(theirs.fileno())]
        try:
            process = subprocess.Popen(command, pass_fds=[theirs.fileno()], env=env, stdin=subprocess.DEVNULL)
        finally:
            theirs.close()
        self._process = process
        reader, writer = await asyncio.open_unix_connection(sock=sock, limit=2**26)
        writer.write(frame((self._factory, self._args)))
        try:
            hello = await asyncio.wait_for(read_frame(reader), self._start_timeout)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.TimeoutError) as exc:
            process.kill()
            writer.close()
            await asyncio.to_thread(process.wait)
            raise SearchProcessError(f"the search process did not start ({type(exc).__name__}); see its log above") from None
        except asyncio.CancelledError:  # the server's start failed elsewhere: leave no child behind
            process.kill()
            writer.close()
            process.wait()
            raise
        if hello[0] != "ready":
            writer.close()
            await asyncio.to_thread(process.wait)
            raise SearchProcessError(f"the search process could not start: {hello[1]}")
        self._process, self._writer, self._socket, self.pid = process, writer, sock, hello[1]["pid"]
        self._track(asyncio.get_running_loop().create_task(self._read(reader)))
        log.info("search process %s ready", self.pid)

    async def _restart(self) -> None:
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < 60] + [now]
        code = None
        if self._process is not None:  # reap it (and make sure a hung one is gone)
            if self._process.poll() is None:
                self._process.kill()
            code = await asyncio.to_thread(self._process.wait)
        log.error("the search process stopped (exit code %s); starting it again", code)
        for call in self._calls.values():
            call.attempts += 1
        self._fail_where(lambda c: c.attempts >= MAX_ATTEMPTS,
                         SearchProcessError("the search process stopped twice while working on this"))
        if len(self._restarts) > 3:
            self._closed = True
            self._fail_all(SearchProcessError("the search process keeps stopping; see the log"))
            log.critical("the search process stopped 4 times in a minute; search is off until kefu restarts")
            return
        try:
            await self._spawn()
            if self._last_build is not None:
                call_id = next(self._ids)
                future = self._loop.create_future()
                self._calls[call_id] = _Call("build", self._last_build, future)
                self._writer.write(frame((call_id, "build", self._last_build)))
                await future
        except Exception as exc:
            self._closed = True
            self._fail_all(SearchProcessError(f"the search process could not be started again: {exc}"))
            log.critical("the search process could not be started again: %s", exc)
            return
        for call_id, call in self._calls.items():  # what the dead child never answered
            self._writer.write(frame((call_id, call.operation, call.args)))
        self._ready.set()

    def _track(self, task: asyncio.Task) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fail_all(self, error: Exception) -> None:
        self._fail_where(lambda c: True, error)

    def _fail_where(self, condition: Callable[[_Call], bool], error: Exception) -> None:
        for call_id in [i for i, c in self._calls.items() if condition(c)]:
            future = self._calls.pop(call_id).future
            if not future.done():
                future.set_exception(error)
