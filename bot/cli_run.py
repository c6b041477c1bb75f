"""`kefu run`: serve every enabled channel, in one process or several."""
from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import shutil
import signal
import sys
from multiprocessing.connection import wait
from pathlib import Path

from aiohttp import web
from prometheus_client.multiprocess import mark_process_dead

from bot.metrics import MULTIPROC_DIR_VARIABLE
from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="serve the web widget, the app API, the Rasa REST channel and the other enabled channels",
        description="Start the kefu server. Migrates the database, loads the demo knowledge base on "
        "first start, and serves on server.host:server.port from config.yml. With --workers N, N processes "
        "share the port (needs cluster.redis_url, so they can coordinate).",
    )
    parser.add_argument("--host", help="override server.host")
    parser.add_argument("--port", type=int, help="override server.port")
    parser.add_argument("--workers", type=int, help="server processes (default: server.workers)")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    host = args.host or settings.server.host
    port = args.port or settings.server.port
    workers = args.workers or settings.server.workers
    if workers < 1:
        print("kefu run: --workers must be at least 1", file=sys.stderr)
        return 2
    if workers > 1 and not settings.cluster.redis_url:
        print(
            "kefu run: several workers need Redis to coordinate; set cluster.redis_url "
            "(e.g. KEFU_CLUSTER__REDIS_URL=redis://127.0.0.1:6379/0) or use --workers 1",
            file=sys.stderr,
        )
        return 2
    print(f"kefu: serving on http://{host}:{port} with {workers} process(es)  (Ctrl+C to stop)")
    if workers == 1:
        _serve(settings, host, port, reuse_port=False)
        return 0
    asyncio.run(_prepare(settings))  # migrate, load the demo KB and build the index once, not N times
    metrics_dir = _fresh_metrics_dir(settings.server.data_dir)
    # Inherited by the spawned workers, which import prometheus_client only after they start.
    os.environ[MULTIPROC_DIR_VARIABLE] = str(metrics_dir)
    context = multiprocessing.get_context("spawn")  # no fork after threads (torch, the DB pool)
    children = [context.Process(target=_serve, args=(settings, host, port, True), daemon=False) for _ in range(workers)]
    for child in children:
        child.start()

    def stop(_signum, _frame) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # A worker that exits keeps its counts; prometheus_client drops only its live* gauges (kefu has none yet).
    running = {child.sentinel: child for child in children}
    while running:
        for sentinel in wait(list(running)):
            mark_process_dead(running.pop(sentinel).pid, str(metrics_dir))
    return 0 if all(c.exitcode in (0, -signal.SIGTERM) for c in children) else 1


def _fresh_metrics_dir(data_dir: Path) -> Path:
    """The workers' metric files; prometheus_client needs the folder emptied between runs, or
    counters carry the old run's counts."""
    folder = (data_dir / "prometheus").resolve()
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _serve(settings: Settings, host: str, port: int, reuse_port: bool) -> None:
    from bot.app import create_app

    web.run_app(create_app(settings), host=host, port=port, print=None, access_log=None, reuse_port=reuse_port)


async def _prepare(settings: Settings) -> None:
    from bot.services import start_services

    services = await start_services(settings)
    await services.close()
