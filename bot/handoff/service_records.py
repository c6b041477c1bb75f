"""Internal notes, tickets (messages left while nobody was online) and satisfaction ratings.

Every operation is one `Database.run` call: a write and the read of what it wrote share one
transaction and one trip to the database thread.
"""
from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from bot.messages import utcnow
from bot.storage.conversation_store import new_id
from bot.storage.database import Database
from bot.storage.tables import customers, notes, ratings, tickets, users
from bot.storage.times import iso

RATING_ATTRIBUTES = ("resolved", "speed", "knowledge")


class ServiceRecords:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add_note(self, conversation_id: str, author_id: str, text: str) -> dict:
        row = dict(conversation_id=conversation_id, author_id=author_id, text=text, created_at=utcnow())

        def work(conn: Connection) -> dict:
            note_id = conn.execute(insert(notes).values(**row)).inserted_primary_key[0]
            return _notes(conn, conversation_id, note_id)[0]

        return await self.db.run(work)

    async def notes(self, conversation_id: str, note_id: int | None = None) -> list[dict]:
        return await self.db.run(lambda conn: _notes(conn, conversation_id, note_id))

    async def add_ticket(self, conversation_id: str, customer_id: str, message: str, contact: str) -> dict:
        ticket_id = new_id()
        row = dict(id=ticket_id, conversation_id=conversation_id, customer_id=customer_id, message=message,
                   contact=contact, status="open", created_at=utcnow())

        def work(conn: Connection) -> dict | None:
            conn.execute(insert(tickets).values(**row))
            return _ticket(conn, ticket_id)

        return await self.db.run(work)

    async def ticket(self, ticket_id: str) -> dict | None:
        return await self.db.run(lambda conn: _ticket(conn, ticket_id))

    async def tickets(self, status: str | None = "open", ticket_id: str | None = None) -> list[dict]:
        return await self.db.run(lambda conn: _tickets(conn, status, ticket_id))

    async def close_ticket(self, ticket_id: str, by: str) -> dict | None:
        query = (
            update(tickets)
            .where(tickets.c.id == ticket_id, tickets.c.status == "open")
            .values(status="closed", closed_at=utcnow(), closed_by=by)
        )

        def work(conn: Connection) -> dict | None:
            if conn.execute(query).rowcount == 0:
                return None
            return _ticket(conn, ticket_id)

        return await self.db.run(work)

    async def rate(self, conversation_id: str, handoff_id: str | None, agent_id: str | None, attribute: str, score: int) -> bool:
        """Store one rating; False when this attribute of this handoff was already rated."""
        if attribute not in RATING_ATTRIBUTES or not 1 <= score <= 5:
            return False
        query = insert(ratings).values(
            conversation_id=conversation_id, handoff_id=handoff_id, agent_id=agent_id,
            attribute=attribute, score=score, created_at=utcnow(),
        )
        try:
            # Caught out here, not in the work: the failed transaction must be rolled back first.
            await self.db.run(lambda conn: conn.execute(query))
        except IntegrityError:
            return False
        return True

    async def ratings_for_handoff(self, handoff_id: str | None, conversation_id: str) -> dict[str, int]:
        query = select(ratings.c.attribute, ratings.c.score).where(ratings.c.conversation_id == conversation_id)
        if handoff_id:
            query = query.where(ratings.c.handoff_id == handoff_id)
        return await self.db.run(lambda conn: {a: s for a, s in conn.execute(query)})


def _notes(conn: Connection, conversation_id: str, note_id: int | None) -> list[dict]:
    query = (
        select(notes, users.c.display_name, users.c.username)
        .join(users, users.c.id == notes.c.author_id)
        .where(notes.c.conversation_id == conversation_id)
        .order_by(notes.c.id)
    )
    if note_id is not None:
        query = query.where(notes.c.id == note_id)
    return [
        {"id": r.id, "author": r.display_name or r.username, "text": r.text, "created_at": iso(r.created_at)}
        for r in conn.execute(query)
    ]


def _ticket(conn: Connection, ticket_id: str) -> dict | None:
    found = _tickets(conn, None, ticket_id)
    return found[0] if found else None


def _tickets(conn: Connection, status: str | None, ticket_id: str | None) -> list[dict]:
    query = (
        select(tickets, customers.c.channel, customers.c.channel_user_id, customers.c.display_name)
        .join(customers, customers.c.id == tickets.c.customer_id)
        .order_by(tickets.c.created_at.desc())
    )
    if status:
        query = query.where(tickets.c.status == status)
    if ticket_id:
        query = query.where(tickets.c.id == ticket_id)
    return [
        {
            "id": r.id, "conversation_id": r.conversation_id, "message": r.message, "contact": r.contact,
            "status": r.status, "created_at": iso(r.created_at), "closed_at": iso(r.closed_at),
            "customer": {"id": r.customer_id, "channel": r.channel, "channel_user_id": r.channel_user_id,
                         "display_name": r.display_name},
        }
        for r in conn.execute(query)
    ]
