"""How long an agent's message takes to reach the customer's open chat widget.

    .venv/bin/python benchmarks/agent_latency.py --messages 200

Starts `kefu run` on a free port with a temporary data directory, adds an agent, opens a widget
WebSocket as a customer, asks for a person, claims the conversation through the Agent API, then
times each agent message from the POST until the customer's socket receives it. Prints JSON.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
KEFU = str(Path(sys.executable).parent / "kefu")
PASSWORD = "benchmark-password-123"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def wait_ready(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(f"{base}/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.2)
    raise SystemExit("server did not become ready")


async def next_of(ws, predicate, timeout: float = 10) -> dict:
    while True:
        frame = await asyncio.wait_for(ws.receive_json(), timeout)
        if predicate(frame):
            return frame


async def measure(base: str, count: int) -> list[float]:
    # unsafe=True: keep cookies from an IP address (127.0.0.1)
    async with aiohttp.ClientSession() as customer, aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as agent_http:
        login = await agent_http.post(f"{base}/api/agent/login", json={"username": "bench", "password": PASSWORD})
        headers = {"X-CSRF-Token": (await login.json())["csrf_token"]}
        # "away": on duty but not auto-assigned, so the customer queues and the agent claims.
        await agent_http.put(f"{base}/api/agent/me/status", json={"status": "away"}, headers=headers)
        ws = await customer.ws_connect(f"{base.replace('http', 'ws')}/ws?lang=zh")
        await next_of(ws, lambda f: f["type"] == "history")
        await ws.send_json({"type": "message", "id": uuid.uuid4().hex, "text": "转人工"})
        await next_of(ws, lambda f: f["type"] == "message" and f.get("kind") == "handoff")
        queue = await (await agent_http.get(f"{base}/api/agent/queue")).json()
        if "queue" not in queue:
            raise SystemExit(f"queue: {queue}")
        conv = queue["queue"][0]["conversation_id"]
        await agent_http.post(f"{base}/api/agent/conversations/{conv}/claim", headers=headers)
        await next_of(ws, lambda f: f["type"] == "message" and f.get("kind") == "connected")
        latencies = []
        for i in range(count):
            text = f"agent message {i}"
            start = time.perf_counter()
            resp = await agent_http.post(f"{base}/api/agent/conversations/{conv}/messages", json={"text": text}, headers=headers)
            assert resp.status == 201, await resp.text()
            await next_of(ws, lambda f: f["type"] == "message" and f.get("text") == text)
            latencies.append((time.perf_counter() - start) * 1000)
        await ws.close()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--model", default="default", help="knowledge.model for the server (default: %(default)s)")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        env = os.environ | {"KEFU_SERVER__DATA_DIR": data, "KEFU_SERVER__PORT": str(port),
                            "KEFU_KNOWLEDGE__MODEL": args.model, "BENCH_PW": PASSWORD}
        subprocess.run([KEFU, "users", "add", "bench", "--role", "agent", "--password-env", "BENCH_PW"],
                       env=env, cwd=ROOT, check=True, capture_output=True)
        server = subprocess.Popen([KEFU, "run"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(wait_ready(base))
            lat = asyncio.run(measure(base, args.messages))
        finally:
            server.terminate()
            server.wait(30)
    ordered = sorted(lat)
    print(json.dumps({
        "messages": len(lat), "p50_ms": round(statistics.median(lat), 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1), "max_ms": round(ordered[-1], 1),
        "load_average": os.getloadavg()[0],
    }))


if __name__ == "__main__":
    main()
