"""A real Rasa action server (rasa_sdk) running our `actions` package, and local fakes for
the failures a real server will not produce on demand (slow, garbage)."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import aiohttp
import pytest

REPO = Path(__file__).resolve().parents[2]
READY_WAIT_SECONDS = 60  # a cold sanic start on a busy 2-core machine takes a few seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_ready(proc: subprocess.Popen, port: int, log) -> None:
    deadline = time.monotonic() + READY_WAIT_SECONDS
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"action server exited with {proc.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"action server not ready on port {port} after {READY_WAIT_SECONDS} s")


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`python -m rasa_sdk --actions actions -p <port>`; yields its /webhook URL."""
    port = free_port()
    # A file, not a pipe: nobody reads a pipe while tests run, and a full one would block the server.
    log = (tmp_path_factory.mktemp("rasa_sdk") / "server.log").open("w")
    env = {**os.environ, "PYTHONPATH": str(REPO), "SANIC_WORKERS": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "-p", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so sanic's worker goes down with it
    )
    try:
        _wait_ready(proc, port, log)
        yield f"http://127.0.0.1:{port}/webhook"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.fixture
async def http() -> aiohttp.ClientSession:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def release() -> asyncio.Event:
    """Set at teardown so a deliberately slow fake handler can finish and the fake can close."""
    return asyncio.Event()


@pytest.fixture
def closed_url() -> str:
    """A URL on a port nothing listens on (bound once, then released)."""
    return f"http://127.0.0.1:{free_port()}/webhook"
