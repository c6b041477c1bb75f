"""Messages per second through the dialogue engine alone (no HTTP), N concurrent customers.

    .venv/bin/python benchmarks/engine_throughput.py --data-dir /tmp/kefu-bench --model fake --seconds 10

With `--model fake` search costs next to nothing, so the figure is the engine + storage ceiling;
with the configured model it is what one process can answer. `--profile FILE` writes cProfile stats.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from questions import make_questions  # noqa: E402

from bot.messages import InboundMessage  # noqa: E402
from bot.services import start_services  # noqa: E402
from bot.settings import load_settings  # noqa: E402


async def customer(engine, worker: int, questions, deadline: float, counts: list[int]) -> None:
    for n in itertools.count():
        if time.perf_counter() >= deadline:
            return
        msg = InboundMessage(channel="rest", user_id=f"bench-{worker}-{n // 20}", text=next(questions))
        await engine.handle(msg)
        counts[0] += 1


async def main() -> None:
    import os
    if os.environ.get("SWITCH"):
        sys.setswitchinterval(float(os.environ["SWITCH"]))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--model", default="", help="'fake' for the engine + storage ceiling")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--profile", type=Path)
    args = parser.parse_args()
    env = {"KEFU_SERVER__DATA_DIR": str(args.data_dir)}
    if args.model:
        env["KEFU_KNOWLEDGE__MODEL"] = args.model
    if args.database_url:
        env["KEFU_DATABASE_URL"] = args.database_url
    settings = load_settings(None, env)
    services = await start_services(settings)
    questions = iter(make_questions(Path("knowledge/data/demo_faq.json"), 500_000))
    try:
        counts = [0]
        await asyncio.gather(*(customer(services.engine, w, questions, time.perf_counter() + 1, [0]) for w in range(args.concurrency)))
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        start, cpu = time.perf_counter(), time.process_time()
        deadline = start + args.seconds
        await asyncio.gather(*(customer(services.engine, w, questions, deadline, counts) for w in range(args.concurrency)))
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if profiler:
            profiler.disable()
            profiler.dump_stats(args.profile)
    finally:
        await services.close()
    print(json.dumps({
        "messages": counts[0], "messages_per_s": round(counts[0] / elapsed, 1),
        "cpu_ms_per_message": round(cpu * 1000 / max(1, counts[0]), 2),
    }))


if __name__ == "__main__":
    asyncio.run(main())
