"""ConversationStore against a real, migrated database (SQLite and PostgreSQL)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.messages import Button
from bot.storage import ConversationStore
from bot.storage.conversation_store import DuplicateMessage, NewMessage
from bot.storage.tables import conversations, messages


async def test_one_open_conversation_per_customer(database):
    store = ConversationStore(database)
    first = await store.current("web", "alice", "zh")
    again = await store.current("web", "alice")
    other_channel = await store.current("app", "alice")
    assert first.id == again.id
    assert other_channel.id != first.id
    assert first.state == "bot" and first.language == "zh"


async def test_closed_conversation_is_followed_by_a_new_one(database):
    store = ConversationStore(database)
    first = await store.current("web", "bob")
    await store.add(first.id, "web", [], state="closed")
    second = await store.current("web", "bob")
    assert second.id != first.id
    assert await store.history("web", "bob") == []


async def test_messages_are_kept_in_order_with_buttons_and_meta(database):
    store = ConversationStore(database)
    conv = await store.current("web", "carol")
    await store.add(conv.id, "web", [NewMessage("customer", "你好", dedupe_key="web:carol:1")])
    await store.add(
        conv.id,
        "web",
        [
            NewMessage("bot", "answer one", "answer", (Button("Yes", "/feedback:yes:x"),), {"entry_id": "e1"}),
            NewMessage("bot", "answer two"),
        ],
        misses_in_row=0,
    )
    history = await store.history("web", "carol")
    assert [m.text for m in history] == ["你好", "answer one", "answer two"]
    assert [m.author for m in history] == ["customer", "bot", "bot"]
    assert history[1].buttons == (Button("Yes", "/feedback:yes:x"),)
    assert history[1].metadata == {"entry_id": "e1"}


async def test_duplicate_inbound_is_rejected_and_writes_nothing(database):
    store = ConversationStore(database)
    conv = await store.current("telegram", "42")
    inbound = NewMessage("customer", "hello", dedupe_key="telegram:42:1001")
    await store.add(conv.id, "telegram", [inbound])
    await store.add(conv.id, "telegram", [NewMessage("bot", "hi!", reply_to=inbound.id)])
    with pytest.raises(DuplicateMessage):
        await store.add(
            conv.id,
            "telegram",
            [NewMessage("customer", "hello", dedupe_key="telegram:42:1001")],
            state="queued",
        )
    async with database.engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(messages))).scalar()
        state = (await conn.execute(select(conversations.c.state))).scalar()
    assert count == 2
    assert state == "bot"  # the conversation update rolled back with the duplicate
    seen = await store.replies_to_duplicate("telegram:42:1001")
    assert seen is not None
    conversation_id, replies = seen
    assert conversation_id == conv.id and [r.text for r in replies] == ["hi!"]


async def test_feedback_is_stored_once_per_answer(database):
    store = ConversationStore(database)
    conv = await store.current("web", "dave")
    [answer] = await store.add(conv.id, "web", [NewMessage("bot", "an answer", "answer", meta={"entry_id": "e9"})])
    assert await store.add_feedback(answer.id, conv.id, "e9", helpful=True) is True
    assert await store.add_feedback(answer.id, conv.id, "e9", helpful=False) is False


async def test_unknown_ids_return_none(database):
    store = ConversationStore(database)
    assert await store.get("no-such-conversation") is None
    assert await store.message("no-such-message") is None
    assert await store.replies_to_duplicate("web:x:1") is None


async def test_an_idle_bot_conversation_is_closed_and_a_new_one_starts(database):
    from datetime import timedelta

    store = ConversationStore(database)
    first = await store.current("web", "erin")
    await store.add(first.id, "web", [NewMessage("customer", "hi")])
    assert (await store.current("web", "erin", idle_close=timedelta(hours=1))).id == first.id
    async with database.engine.begin() as conn:
        from bot.messages import utcnow

        await conn.execute(
            conversations.update().where(conversations.c.id == first.id).values(updated_at=utcnow() - timedelta(hours=2))
        )
    second = await store.current("web", "erin", idle_close=timedelta(hours=1))
    assert second.id != first.id
    assert (await store.get(first.id)).state == "closed"
    older = await store.list(customer_id=second.customer_id)
    assert {c.id for c in older} == {first.id, second.id}


async def test_customers_of_one_verified_person_are_linked_across_channels(database):
    store = ConversationStore(database)
    app_conv = await store.current("app", "u-42", person_id="person-42")
    web_conv = await store.current("web", "visitor-abc")  # anonymous at first
    assert await store.linked_customers(web_conv.customer_id) == [web_conv.customer_id]
    await store.current("web", "visitor-abc", person_id="person-42")  # logs in later
    linked = set(await store.linked_customers(web_conv.customer_id))
    assert linked == {app_conv.customer_id, web_conv.customer_id}
    other = await store.current("web", "visitor-xyz")
    assert await store.linked_customers(other.customer_id) == [other.customer_id]
