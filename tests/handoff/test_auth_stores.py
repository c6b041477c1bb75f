"""UserStore and SessionStore against a real, migrated database (SQLite and PostgreSQL)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.auth import SessionStore, UserError, UserStore

PASSWORD = "correct horse battery"


async def test_users_are_created_once_and_verified(database):
    users = UserStore(database)
    made = await asyncio.gather(
        users.create("ann", PASSWORD, "agent"), users.create("ann", PASSWORD, "admin"), return_exceptions=True
    )
    assert sorted(type(m).__name__ for m in made) == ["User", "UserError"]
    with pytest.raises(UserError):
        await users.create("ann", PASSWORD, "agent")
    ann = await users.by_username("ann")
    assert await users.get(ann.id) == ann
    assert await users.verify("ann", PASSWORD) == ann
    assert await users.verify("ann", "wrong password") is None
    assert await users.verify("nobody", PASSWORD) is None

    await users.set_password("ann", "another long one")
    assert await users.verify("ann", "another long one") == ann
    with pytest.raises(UserError):
        await users.set_password("nobody", "another long one")
    assert (await users.set_status(ann.id, "online")).status == "online"
    await users.create("bob", PASSWORD, "editor")
    assert [u.username for u in await users.list()] == ["ann", "bob"]
    assert [u.username for u in await users.list("editor")] == ["bob"]


async def test_sessions_live_until_deleted_or_expired(database):
    user = await UserStore(database).create("ann", PASSWORD, "agent")
    sessions = SessionStore(database)
    token, session = await sessions.create(user.id)
    assert await sessions.get(token) == session
    await sessions.delete(token)
    assert await sessions.get(token) is None
    assert await sessions.get("") is None

    expired = SessionStore(database, max_age=timedelta(seconds=-1))
    old_token, _ = await expired.create(user.id)
    assert await expired.get(old_token) is None
