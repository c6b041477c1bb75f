"""Console login sessions, stored in the database so every server process shares them.

Each operation is one `Database.run` call (one transaction, one trip to the database thread).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.engine import Connection

from bot.messages import utcnow
from bot.storage.database import Database
from bot.storage.tables import sessions
from bot.storage.times import aware

# Built once: every console request looks its session up.
_BY_TOKEN = select(sessions).where(sessions.c.token_hash == bindparam("token_hash"))


@dataclass(frozen=True)
class Session:
    user_id: str
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    def __init__(self, db: Database, max_age: timedelta = timedelta(hours=12)) -> None:
        self.db = db
        self.max_age = max_age

    async def create(self, user_id: str) -> tuple[str, Session]:
        """A new session: the token goes in the cookie, only its hash in the database."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(24)
        now = utcnow()
        row = dict(token_hash=_hash(token), user_id=user_id, csrf_token=csrf, created_at=now,
                   expires_at=now + self.max_age)

        def work(conn: Connection) -> None:
            conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            conn.execute(insert(sessions).values(**row))

        await self.db.run(work)
        return token, Session(user_id, csrf)

    async def get(self, token: str) -> Session | None:
        if not token or len(token) > 128:
            return None
        token_hash = _hash(token)
        row = await self.db.run(lambda conn: conn.execute(_BY_TOKEN, {"token_hash": token_hash}).first())
        if row is None or aware(row.expires_at) < utcnow():
            return None
        return Session(row.user_id, row.csrf_token)

    async def delete(self, token: str) -> None:
        query = delete(sessions).where(sessions.c.token_hash == _hash(token))
        await self.db.run(lambda conn: conn.execute(query))
