"""Load test of the Rasa REST channel: N concurrent clients, distinct questions, latency percentiles.

    .venv/bin/python benchmarks/rest_load.py --url http://127.0.0.1:8080 --concurrency 8 --duration 30

Each client is a customer sending questions one after another (a new question only after the
answer). Prints one JSON object: requests/s, p50/p95/p99 latency in ms, errors, and, when --pid is
given, the server's memory and CPU per request, summed over the process and its children (kefu's
search process): Rss counts shared libraries once per process, Pss shares them out.
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import statistics
import time
from pathlib import Path

import aiohttp

from procs import cpu_seconds, memory_mb, with_children
from questions import make_questions


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


async def client(session, url, worker, questions, deadline, latencies, errors):
    for n in itertools.count():
        if time.perf_counter() >= deadline:
            return
        body = {"sender": f"load-{worker}-{n // 20}", "message": next(questions)}
        start = time.perf_counter()
        try:
            async with session.post(url, json=body) as resp:
                await resp.read()
                ok = resp.status == 200
        except aiohttp.ClientError:
            ok = False
        if ok:
            latencies.append((time.perf_counter() - start) * 1000)
        else:
            errors.append(1)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--faq", type=Path, default=Path("knowledge/data/demo_faq.json"))
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--pid", type=int, action="append", default=[],
                        help="server pid (repeat for several workers): reports memory and CPU per request of it and its children")
    args = parser.parse_args()

    questions = iter(make_questions(args.faq, 1_000_000 if args.duration > 100 else 200_000))
    url = args.url.rstrip("/") + "/webhooks/rest/webhook"
    connector = aiohttp.TCPConnector(limit=args.concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        warm: list[float] = []
        end = time.perf_counter() + args.warmup
        await asyncio.gather(*(client(session, url, w, questions, end, warm, []) for w in range(args.concurrency)))
        latencies: list[float] = []
        errors: list[int] = []
        pids = with_children(args.pid)
        cpu_before = cpu_seconds(pids)
        start = time.perf_counter()
        end = start + args.duration
        await asyncio.gather(
            *(client(session, url, w, questions, end, latencies, errors) for w in range(args.concurrency))
        )
        elapsed = time.perf_counter() - start
        cpu = cpu_seconds(pids) - cpu_before
    report = {
        "concurrency": args.concurrency,
        "duration_s": round(elapsed, 1),
        "requests": len(latencies),
        "errors": len(errors),
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
    }
    if args.pid:
        report["server_processes"] = len(pids)
        report["server_rss_mb"] = memory_mb(pids, "Rss")
        report["server_pss_mb"] = memory_mb(pids, "Pss")
        report["server_cpu_ms_per_request"] = round(cpu * 1000 / max(1, len(latencies)), 2)
        report["load_average"] = os.getloadavg()[0]
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
