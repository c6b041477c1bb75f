"""Console users (admin, editor, agent) with slow-hashed passwords (argon2id).

Each operation is one `Database.run` call. Hashing and verifying stay outside the work
functions, and off the event loop: argon2 takes tens of milliseconds on purpose and would hold
up the database thread or every other request.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.messages import utcnow
from bot.storage.conversation_store import new_id
from bot.storage.database import Database
from bot.storage.tables import users

ROLES = ("admin", "editor", "agent")
STATUSES = ("online", "away", "offline")
_hasher = PasswordHasher()
# Verifying against this keeps the time of a login for an unknown user like that of a known one.
_DUMMY_HASH = _hasher.hash("kefu-no-such-user")
# Built once: every console request looks its user up by id.
_BY_ID = select(users).where(users.c.id == bindparam("user_id"))


class UserError(ValueError):
    """A user that cannot be created or changed as asked; the message says why."""


@dataclass(frozen=True)
class User:
    id: str
    username: str
    display_name: str
    role: str
    status: str = "offline"
    capacity: int = 3
    languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    disabled: bool = False
    created_at: datetime | None = field(default=None, compare=False)

    def public(self) -> dict:
        return {
            "id": self.id, "username": self.username, "display_name": self.display_name or self.username,
            "role": self.role, "status": self.status, "capacity": self.capacity,
            "languages": list(self.languages), "categories": list(self.categories),
        }


class UserStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self,
        username: str,
        password: str,
        role: str,
        display_name: str = "",
        languages: Iterable[str] = ("zh", "en"),
        categories: Iterable[str] = (),
        capacity: int = 3,
    ) -> User:
        username = username.strip()
        if not username or len(username) > 64 or any(c.isspace() for c in username):
            raise UserError("用户名需为 1-64 个非空白字符 / A username is 1-64 characters without spaces.")
        if role not in ROLES:
            raise UserError(f"角色必须是 {', '.join(ROLES)} / The role must be one of {', '.join(ROLES)}.")
        if len(password) < 10:
            raise UserError("密码至少 10 个字符 / The password must be at least 10 characters.")
        if capacity < 1:
            raise UserError("并发上限至少为 1 / The capacity must be at least 1.")
        user_id = new_id()
        query = insert(users).values(
            id=user_id, username=username, display_name=display_name or username,
            password_hash=await asyncio.to_thread(_hasher.hash, password), role=role, status="offline", capacity=capacity,
            languages=list(languages), categories=list(categories), disabled=False, created_at=utcnow(),
        )

        def work(conn: Connection) -> User | None:
            conn.execute(query)
            return _first(conn, _BY_ID, {"user_id": user_id})

        try:
            return await self.db.run(work)
        except IntegrityError:
            raise UserError(f"用户 {username} 已存在 / The user {username} already exists.") from None

    async def get(self, user_id: str) -> User | None:
        return await self.db.run(lambda conn: _first(conn, _BY_ID, {"user_id": user_id}))

    async def by_username(self, username: str) -> User | None:
        query = select(users).where(users.c.username == username)
        return await self.db.run(lambda conn: _first(conn, query))

    async def verify(self, username: str, password: str) -> User | None:
        """The user when the password is right (and the user enabled), else None."""
        query = select(users).where(users.c.username == username)
        row = await self.db.run(lambda conn: conn.execute(query).first())
        try:  # argon2 takes tens of milliseconds on purpose: not on the event loop
            await asyncio.to_thread(_hasher.verify, row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled:
            return None
        return _user(row)

    async def set_password(self, username: str, password: str) -> None:
        if len(password) < 10:
            raise UserError("密码至少 10 个字符 / The password must be at least 10 characters.")
        query = update(users).where(users.c.username == username).values(password_hash=await asyncio.to_thread(_hasher.hash, password))
        if await self.db.run(lambda conn: conn.execute(query).rowcount) == 0:
            raise UserError(f"没有用户 {username} / No user {username}.")

    async def set_status(self, user_id: str, status: str) -> User:
        if status not in STATUSES:
            raise UserError(f"状态必须是 {', '.join(STATUSES)} / The status must be one of {', '.join(STATUSES)}.")
        query = update(users).where(users.c.id == user_id).values(status=status)

        def work(conn: Connection) -> User | None:
            conn.execute(query)
            return _first(conn, _BY_ID, {"user_id": user_id})

        return await self.db.run(work)

    async def list(self, role: str | None = None) -> list[User]:
        query = select(users).order_by(users.c.username)
        if role:
            query = query.where(users.c.role == role)
        return await self.db.run(lambda conn: [_user(row) for row in conn.execute(query)])


def _first(conn: Connection, query, params: dict | None = None) -> User | None:
    row = conn.execute(query, params).first()
    return _user(row) if row else None


def _user(row) -> User:
    return User(
        id=row.id, username=row.username, display_name=row.display_name, role=row.role, status=row.status,
        capacity=row.capacity, languages=tuple(row.languages or ()), categories=tuple(row.categories or ()),
        disabled=row.disabled, created_at=row.created_at,
    )
