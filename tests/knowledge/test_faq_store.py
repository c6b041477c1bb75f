"""FaqStore against real databases: SQLite, and PostgreSQL in a schema of its own per test."""
from __future__ import annotations

import dataclasses
import uuid
from pathlib import Path
from typing import AsyncIterator

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from knowledge.faq_store import FaqStore
from knowledge.formats import FaqImportError, read_faq
from knowledge.tables import metadata
from knowledge.types import FaqEntry, Link, QuickReply

POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEMO_KB = Path(__file__).parents[2] / "knowledge" / "data" / "demo_faq.json"

FEE = FaqEntry(id="fee", question="运费多少", answer="满 99 元包邮。", variants=("包邮吗", "shipping fee"))
RICH = FaqEntry(
    id="shipping_time", question="多久发货？", answer="48 小时内发货。", variants=("啥时候发货", "when will it ship"),
    buttons=(QuickReply("查物流", "/track"),), links=(Link("说明", "https://shop.example.com/help"),),
    channel_answers={"wechat": "48h 发货"}, category="shipping", tags=("发货",), language="zh",
    action=None, handoff=False,
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'kb.db'}")
        schema = None
    else:
        # A schema per test keeps parallel runs by other engineers from seeing our tables.
        schema = f"kb_test_{uuid.uuid4().hex[:12]}"
        admin = create_async_engine(POSTGRES_URL)
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        await admin.dispose()
        engine = create_async_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}})
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    try:
        yield engine
    finally:
        if schema:
            async with engine.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await engine.dispose()


@pytest.fixture
def store(engine: AsyncEngine) -> FaqStore:
    return FaqStore(engine)


def content(entry: FaqEntry) -> FaqEntry:
    """The entry without the fields the store sets itself."""
    return dataclasses.replace(entry, status="published", updated_at=None, updated_by="")


async def test_saved_entry_is_a_draft_until_published(store: FaqStore) -> None:
    saved = await store.save(RICH, by="alice")
    assert saved.status == "draft" and saved.updated_by == "alice" and saved.updated_at.tzinfo is not None
    assert await store.list_entries() == []
    assert [content(e) for e in await store.list_entries("draft")] == [RICH]
    assert await store.get("shipping_time") == saved
    assert await store.get("shipping_time", status="published") is None


async def test_publish_makes_drafts_live_and_bumps_the_version(store: FaqStore) -> None:
    assert await store.version() == 0
    await store.save(RICH, by="alice")
    await store.save(FEE, by="alice")
    assert await store.publish(by="bob") == 1
    live = await store.list_entries()
    assert [content(e) for e in live] == [FEE, RICH]  # ordered by id; every field kept
    assert {e.status for e in live} == {"published"} and {e.updated_by for e in live} == {"alice"}
    assert await store.list_entries("draft") == []
    assert await store.publish(by="bob") == 2  # every publish changes it
    assert await store.version() == 2


async def test_editing_a_live_entry_keeps_customers_on_the_published_text(store: FaqStore) -> None:
    await store.save(FEE, by="alice")
    await store.publish(by="alice")
    await store.save(dataclasses.replace(FEE, answer="满 59 元包邮。"), by="carol")
    assert [e.answer for e in await store.list_entries()] == ["满 99 元包邮。"]
    assert (await store.get("fee")).answer == "满 59 元包邮。"  # the editor's working copy
    assert len(await store.list_entries(None)) == 2  # one published row, one draft row
    await store.publish(by="carol")
    assert [(e.answer, e.updated_by) for e in await store.list_entries()] == [("满 59 元包邮。", "carol")]


async def test_delete_removes_draft_and_live_rows(store: FaqStore) -> None:
    await store.save(FEE, by="alice")
    await store.publish(by="alice")
    await store.save(dataclasses.replace(FEE, answer="new"), by="alice")
    assert await store.delete("fee", by="dave") is True
    assert await store.list_entries(None) == []
    assert await store.version() == 2  # live content changed
    assert await store.delete("fee", by="dave") is False


async def test_deleting_a_draft_only_entry_leaves_the_version(store: FaqStore) -> None:
    await store.save(FEE, by="alice")
    assert await store.delete("fee", by="alice") is True
    assert await store.version() == 0


async def test_invalid_entry_is_refused_and_nothing_written(store: FaqStore) -> None:
    with pytest.raises(ValueError, match="empty question"):
        await store.save(dataclasses.replace(FEE, question=" "), by="alice")
    with pytest.raises(ValueError, match="empty answer"):
        await store.save(dataclasses.replace(FEE, answer=""), by="alice")
    assert await store.list_entries(None) == [] and await store.history("fee") == []
    bound = await store.save(dataclasses.replace(FEE, answer="", action="action_fee"), by="alice")
    assert bound.action == "action_fee"


async def test_history_has_a_snapshot_per_change(store: FaqStore) -> None:
    await store.save(FEE, by="alice")
    await store.save(dataclasses.replace(FEE, answer="v2"), by="bob")
    await store.publish(by="carol")
    await store.delete("fee", by="dave")
    history = await store.history("fee")
    assert [(h.revision, h.change, h.status, h.changed_by) for h in history] == [
        (4, "delete", "published", "dave"),
        (3, "publish", "published", "carol"),
        (2, "save", "draft", "bob"),
        (1, "save", "draft", "alice"),
    ]
    assert history[0].entry is None
    assert history[1].entry.answer == "v2" and history[1].entry.status == "published"
    assert content(history[3].entry) == FEE and history[3].entry.status == "draft"
    assert await store.history("other") == []


async def test_audit_log_records_each_operation(store: FaqStore) -> None:
    await store.save(FEE, by="alice")
    await store.publish(by="bob")
    await store.replace_all([RICH], by="carol", mode="replace")
    events = await store.audit_log()
    assert [(e.operation, e.by, e.entry_id) for e in events] == [
        ("import", "carol", None), ("publish", "bob", None), ("save", "alice", "fee")]
    assert events[0].detail == {"mode": "replace", "count": 1, "removed": ["fee"], "version": 2}
    assert events[1].detail == {"version": 1, "entries": ["fee"]}


async def test_replace_all_merge_keeps_other_entries(store: FaqStore) -> None:
    await store.replace_all([FEE], by="import")
    changed = dataclasses.replace(RICH, answer="changed")
    version = await store.replace_all([changed, dataclasses.replace(FEE, answer="v2")], by="import")
    assert version == 2 == await store.version()
    assert [(e.id, e.answer) for e in await store.list_entries()] == [("fee", "v2"), ("shipping_time", "changed")]
    assert [h.change for h in await store.history("fee")] == ["import", "import"]


async def test_replace_all_replace_removes_everything_else(store: FaqStore) -> None:
    await store.replace_all([FEE, RICH], by="import")
    await store.save(dataclasses.replace(FEE, answer="draft"), by="alice")
    await store.replace_all([RICH], by="import", mode="replace")
    assert [e.id for e in await store.list_entries(None)] == ["shipping_time"]
    assert (await store.history("fee"))[0].change == "delete"


async def test_replace_all_with_invalid_entries_changes_nothing(store: FaqStore) -> None:
    await store.replace_all([FEE], by="import")
    with pytest.raises(FaqImportError, match="duplicate id 'shipping_time'"):
        await store.replace_all([RICH, RICH], by="import", mode="replace")
    assert [content(e) for e in await store.list_entries()] == [FEE] and await store.version() == 1


async def test_replace_all_failing_in_the_database_rolls_back(store: FaqStore, engine: AsyncEngine) -> None:
    await store.replace_all([FEE], by="import")
    history_before = await store.history("fee")

    # The database fails after the old rows were deleted (as a full disk or a lost connection would).
    def fail_on_insert(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO KB_ENTRIES"):
            raise RuntimeError("simulated database failure")

    event.listen(engine.sync_engine, "before_cursor_execute", fail_on_insert)
    try:
        with pytest.raises(RuntimeError, match="simulated"):
            await store.replace_all([RICH], by="import", mode="replace")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", fail_on_insert)
    assert [content(e) for e in await store.list_entries()] == [FEE]
    assert await store.version() == 1 and await store.history("fee") == history_before
    assert [e.operation for e in await store.audit_log()] == ["import"]


async def test_replace_all_rejects_an_unknown_mode(store: FaqStore) -> None:
    with pytest.raises(ValueError, match="mode must be"):
        await store.replace_all([FEE], by="import", mode="append")  # type: ignore[arg-type]


async def test_demo_kb_imports_whole(store: FaqStore) -> None:
    entries = read_faq(DEMO_KB)
    await store.replace_all(entries, by="setup", mode="replace")
    live = await store.list_entries()
    assert [content(e) for e in live] == sorted((content(e) for e in entries), key=lambda e: e.id)
