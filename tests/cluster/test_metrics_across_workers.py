"""`kefu run --workers 2`: every scrape of /metrics counts the messages of both workers.

The workers share one port (SO_REUSEPORT) and the kernel spreads connections between them, so each
message and each scrape go over a fresh connection."""
from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import redis.asyncio as redis
from prometheus_client.parser import text_string_to_metric_families

from tests.bot.dialogue_harness import FIXTURES
from tests.redis_keys import REDIS_URL, drop_keys
from tests.waiting import until

KEFU = str(Path(sys.executable).parent / "kefu")
MESSAGES = 24
SCRAPES = 8


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listeners(port: int) -> int:
    """Sockets listening on `port` (one per worker with SO_REUSEPORT), from /proc/net/tcp."""
    rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return sum(1 for row in rows if row.split()[1].endswith(f":{port:04X}") and row.split()[3] == "0A")


def _samples(text: str) -> dict[str, float]:
    """{sample name: value summed over its labels} of a scrape."""
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


async def test_every_scrape_counts_the_messages_of_every_worker(tmp_path):
    port, prefix = _free_port(), f"test-{uuid.uuid4().hex[:8]}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KEFU_", "PROMETHEUS_MULTIPROC_DIR"))} | {
        "KEFU_SERVER__DATA_DIR": str(tmp_path / "data"),
        "KEFU_KNOWLEDGE__MODEL": "fake",
        "KEFU_KNOWLEDGE__DEMO_KB": str(FIXTURES / "shop_faq.json"),
        "KEFU_SERVER__SEARCH_PROCESS": "false",
        "KEFU_CLUSTER__REDIS_URL": REDIS_URL,
        "KEFU_CLUSTER__REDIS_PREFIX": prefix,
    }
    server = subprocess.Popen([KEFU, "run", "--workers", "2", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        await until(lambda: _listeners(port) == 2 or server.poll() is not None, limit=120)
        assert server.poll() is None, server.stderr.read().decode()
        # force_close: a new connection per request, so the kernel picks a worker each time
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as http:
            for n in range(MESSAGES):
                async with http.post(f"{url}/webhooks/rest/webhook", json={"sender": f"c{n}", "message": "运费多少"}) as resp:
                    assert resp.status == 200
            for _ in range(SCRAPES):
                async with http.get(f"{url}/metrics") as resp:
                    assert resp.status == 200
                    got = _samples(await resp.text())
                assert (got["kefu_messages_total"], got["kefu_reply_seconds_count"]) == (MESSAGES, MESSAGES)
                assert got["kefu_queue_length"] == 0
                assert not any(name.startswith("process_") for name in got)  # cannot be merged over workers
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.wait, 60)
        client = redis.from_url(REDIS_URL)
        await drop_keys(client, f"{prefix}:*")
        await client.aclose()
