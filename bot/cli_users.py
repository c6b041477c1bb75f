"""`kefu users ...`: console users (admin, editor, agent). Passwords are never arguments."""
from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys

from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="manage console users (agents, editors, admins)")
    sub = users.add_subparsers(dest="users_command", metavar="ACTION", required=True)

    p = sub.add_parser(
        "add",
        help="add a user",
        description="Add a console user. The password is read from the terminal (asked twice), or from the "
        "environment variable named by --password-env (for scripts). It is stored as an argon2 hash.",
    )
    p.add_argument("name", help="login name")
    p.add_argument("--role", choices=["admin", "editor", "agent"], required=True)
    p.add_argument("--display-name", default="", help="name customers and colleagues see")
    p.add_argument("--languages", default="zh,en", help="languages the agent serves, comma separated (default: %(default)s)")
    p.add_argument("--categories", default="", help="FAQ categories the agent handles, comma separated (default: all)")
    p.add_argument("--capacity", type=int, default=3, help="concurrent conversations (default: %(default)s)")
    p.add_argument("--password-env", metavar="VAR", help="read the password from this environment variable")
    p.set_defaults(handler=_run(_add))

    p = sub.add_parser("passwd", help="set a user's password (same password sources as `add`)")
    p.add_argument("name")
    p.add_argument("--password-env", metavar="VAR")
    p.set_defaults(handler=_run(_passwd))

    p = sub.add_parser("list", help="list users")
    p.set_defaults(handler=_run(_list))


def _run(coro_fn):
    def handler(settings: Settings, args: argparse.Namespace) -> int:
        return asyncio.run(coro_fn(settings, args))

    return handler


def _password(args: argparse.Namespace) -> str | None:
    if args.password_env:
        value = os.environ.get(args.password_env)
        if not value:
            print(f"kefu users: environment variable {args.password_env} is not set", file=sys.stderr)
        return value or None
    if not sys.stdin.isatty():
        print("kefu users: no terminal to ask for the password; use --password-env VAR", file=sys.stderr)
        return None
    first = getpass.getpass("password / 密码: ")
    if first != getpass.getpass("again / 再输一次: "):
        print("kefu users: the passwords differ", file=sys.stderr)
        return None
    return first


async def _store(settings: Settings):
    from bot.auth import UserStore
    from bot.storage import Database

    settings.server.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.database_url)
    await db.migrate()
    return db, UserStore(db)


async def _add(settings: Settings, args: argparse.Namespace) -> int:
    from bot.auth import UserError

    password = _password(args)
    if password is None:
        return 2
    db, store = await _store(settings)
    try:
        user = await store.create(
            args.name, password, args.role, display_name=args.display_name,
            languages=[x.strip() for x in args.languages.split(",") if x.strip()],
            categories=[x.strip() for x in args.categories.split(",") if x.strip()], capacity=args.capacity,
        )
    except UserError as exc:
        print(f"kefu users: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"added {user.role} {user.username}")
    return 0


async def _passwd(settings: Settings, args: argparse.Namespace) -> int:
    from bot.auth import UserError

    password = _password(args)
    if password is None:
        return 2
    db, store = await _store(settings)
    try:
        await store.set_password(args.name, password)
    except UserError as exc:
        print(f"kefu users: {exc}", file=sys.stderr)
        return 1
    finally:
        await db.close()
    print(f"password of {args.name} changed")
    return 0


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    db, store = await _store(settings)
    try:
        for u in await store.list():
            print(f"{u.username}\t{u.role}\t{u.status}\tcapacity {u.capacity}\t{','.join(u.languages)}")
    finally:
        await db.close()
    return 0
