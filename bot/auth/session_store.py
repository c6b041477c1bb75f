"""Console login sessions, stored in the database so every server process shares them."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, insert, select

from bot.messages import utcnow
from bot.storage.database import Database
from bot.storage.tables import sessions
from bot.storage.times import aware


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
        async with self.db.engine.begin() as conn:
            await conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            await conn.execute(
                insert(sessions).values(
                    token_hash=_hash(token), user_id=user_id, csrf_token=csrf, created_at=now,
                    expires_at=now + self.max_age,
                )
            )
        return token, Session(user_id, csrf)

    async def get(self, token: str) -> Session | None:
        if not token or len(token) > 128:
            return None
        async with self.db.engine.connect() as conn:
            row = (await conn.execute(select(sessions).where(sessions.c.token_hash == _hash(token)))).first()
        if row is None or aware(row.expires_at) < utcnow():
            return None
        return Session(row.user_id, row.csrf_token)

    async def delete(self, token: str) -> None:
        async with self.db.engine.begin() as conn:
            await conn.execute(delete(sessions).where(sessions.c.token_hash == _hash(token)))
