"""`kefu`: run the server, chat in the terminal, manage the knowledge base, evaluate search."""
from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import SettingsError, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="kefu",
        description="kefu 客服: customer self-service bot. One dialogue engine for web, app, WeChat and Telegram.",
    )
    parser.add_argument("-c", "--config", default="config.yml", help="settings file (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    from bot import cli_chat, cli_eval, cli_kb, cli_run, cli_users

    for module in (cli_run, cli_chat, cli_kb, cli_eval, cli_users):
        module.register(commands)

    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    logging.getLogger("alembic").setLevel(logging.WARNING)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"kefu: {exc}", file=sys.stderr)
        return 2
    try:
        return args.handler(settings, args) or 0
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
