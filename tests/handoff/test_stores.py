"""HandoffStore and ServiceRecords against a real, migrated database (SQLite and PostgreSQL).

Operations started together on SQLite share one group commit; the races below check that
conditional updates and unique constraints still decide them one by one.
"""
from __future__ import annotations

import asyncio

from bot.handoff.handoff_store import HandoffStore
from bot.handoff.service_records import ServiceRecords
from bot.storage import ConversationStore


async def test_a_queued_handoff_goes_to_exactly_one_agent(database):
    conv = await ConversationStore(database).current("web", "alice")
    store = HandoffStore(database, wait_target_seconds=60)
    opened = await store.open(conv.id, "asked", "", "zh", "refunds")
    assert (await store.open(conv.id, "again", "", "zh", "")).id == opened.id
    assert [h.id for h, info in await store.queued()] == [opened.id]

    won = await asyncio.gather(store.assign(conv.id, "a1"), store.assign(conv.id, "a2"))
    winners = [h for h in won if h is not None]
    assert len(winners) == 1 and winners[0].status == "assigned" and winners[0].wait_seconds is not None
    assert await store.queued() == []
    assert await store.active_counts() == {winners[0].agent_id: 1}
    assert len(await store.recent_waits()) == 1


async def test_requeue_transfer_and_resolve(database):
    conversations = ConversationStore(database)
    conv = await conversations.current("web", "bob")
    store = HandoffStore(database, wait_target_seconds=60)
    opened = await store.open(conv.id, "asked", "detail", "en", "")
    await store.set_told_position(opened.id, 3)
    assert (await store.current(conv.id)).told_position == 3
    assert await store.transfer(conv.id, None, "a2") is None  # not assigned yet
    await store.assign(conv.id, "a1")
    assert (await store.requeue(conv.id)).status == "queued"
    await store.assign(conv.id, "a1")
    assert await store.transfer(conv.id, "someone-else", "a2") is None
    assert (await store.transfer(conv.id, "a1", "a2")).agent_id == "a2"
    assert (await conversations.get(conv.id)).agent_id == "a2"
    resolved = await store.resolve(conv.id, "rating", {"step": 1})
    assert resolved.status == "resolved" and resolved.resolved_at is not None
    after = await conversations.get(conv.id)
    assert after.state == "bot" and after.flow == "rating" and after.agent_id is None
    assert await store.resolve(conv.id, None, None) is None
    assert (await store.current(conv.id)).id == opened.id


async def test_each_handoff_attribute_is_rated_once(database):
    conv = await ConversationStore(database).current("web", "carol")
    handoff = await HandoffStore(database, 60).open(conv.id, "asked", "", "zh", "")
    records = ServiceRecords(database)
    first = await asyncio.gather(
        records.rate(conv.id, handoff.id, "a1", "speed", 4),
        records.rate(conv.id, handoff.id, "a1", "speed", 2),
        records.rate(conv.id, handoff.id, "a1", "knowledge", 5),
    )
    assert sorted(first) == [False, True, True]
    assert await records.rate(conv.id, handoff.id, "a1", "speed", 1) is False
    assert await records.rate(conv.id, handoff.id, "a1", "mood", 5) is False
    rated = await records.ratings_for_handoff(handoff.id, conv.id)
    assert rated["knowledge"] == 5 and rated["speed"] in (4, 2)


async def test_notes_and_tickets(database):
    from bot.auth import UserStore

    conv = await ConversationStore(database).current("web", "dave")
    agent = await UserStore(database).create("agent1", "a-long-password", "agent", display_name="Ann")
    records = ServiceRecords(database)
    note = await records.add_note(conv.id, agent.id, "called back")
    assert note["author"] == "Ann" and note["text"] == "called back"
    assert [n["id"] for n in await records.notes(conv.id)] == [note["id"]]

    ticket = await records.add_ticket(conv.id, conv.customer_id, "refund please", "dave@example.com")
    assert ticket["status"] == "open" and ticket["customer"]["channel_user_id"] == "dave"
    assert [t["id"] for t in await records.tickets()] == [ticket["id"]]
    closed = await records.close_ticket(ticket["id"], agent.id)
    assert closed["status"] == "closed" and closed["closed_at"]
    assert await records.close_ticket(ticket["id"], agent.id) is None
    assert await records.tickets() == []
    assert await records.ticket("nope") is None
