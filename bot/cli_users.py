"""`kefu users ...`: console users (admin, editor, agent). Passwords are never arguments."""
from __future__ import annotations

import argparse
import getpass
import os
import sys
from contextlib import asynccontextmanager

from bot.cli_database import migrated_database, run_async
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
    p.set_defaults(handler=run_async(_add))

    p = sub.add_parser("passwd", help="set a user's password (same password sources as `add`)")
    p.add_argument("name")
    p.add_argument("--password-env", metavar="VAR")
    p.set_defaults(handler=run_async(_passwd))

    p = sub.add_parser("list", help="list users")
    p.set_defaults(handler=run_async(_list))


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


@asynccontextmanager
async def _user_store(settings: Settings):
    from bot.auth import UserStore

    async with migrated_database(settings) as db:
        yield UserStore(db)


async def _add(settings: Settings, args: argparse.Namespace) -> int:
    from bot.auth import UserError

    password = _password(args)
    if password is None:
        return 2
    async with _user_store(settings) as store:
        try:
            user = await store.create(
                args.name, password, args.role, display_name=args.display_name,
                languages=[x.strip() for x in args.languages.split(",") if x.strip()],
                categories=[x.strip() for x in args.categories.split(",") if x.strip()], capacity=args.capacity,
            )
        except UserError as exc:
            print(f"kefu users: {exc}", file=sys.stderr)
            return 1
    print(f"added {user.role} {user.username}")
    return 0


async def _passwd(settings: Settings, args: argparse.Namespace) -> int:
    from bot.auth import UserError

    password = _password(args)
    if password is None:
        return 2
    async with _user_store(settings) as store:
        try:
            await store.set_password(args.name, password)
        except UserError as exc:
            print(f"kefu users: {exc}", file=sys.stderr)
            return 1
    print(f"password of {args.name} changed")
    return 0


async def _list(settings: Settings, args: argparse.Namespace) -> int:
    async with _user_store(settings) as store:
        for u in await store.list():
            print(f"{u.username}\t{u.role}\t{u.status}\tcapacity {u.capacity}\t{','.join(u.languages)}")
    return 0
