"""`kefu run`: serve every enabled channel."""
from __future__ import annotations

import argparse

from aiohttp import web

from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "run",
        help="serve the web widget, the app API, the Rasa REST channel and the other enabled channels",
        description="Start the kefu server. Migrates the database, loads the demo knowledge base on "
        "first start, and serves on server.host:server.port from config.yml.",
    )
    parser.add_argument("--host", help="override server.host")
    parser.add_argument("--port", type=int, help="override server.port")
    parser.set_defaults(handler=run)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import create_app

    host = args.host or settings.server.host
    port = args.port or settings.server.port
    print(f"kefu: serving on http://{host}:{port}  (Ctrl+C to stop)")
    web.run_app(create_app(settings), host=host, port=port, print=None, access_log=None)
    return 0
