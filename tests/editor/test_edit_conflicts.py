"""Optimistic locking in the editor API, on SQLite and on PostgreSQL: an edit names the revision it
was based on (`base_revision`); if someone else changed the entry since, it is refused with 409 and
nothing is written. Concurrent edits based on the same revision: exactly one wins."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

import bot.services
from bot.app import create_app
from knowledge.faq_store import EditRefused, FaqStore
from knowledge.types import FaqEntry
from tests.conftest import make_settings
from tests.editor.conftest import FAQ, Session, edit, read

ENTRY = "/api/editor/entries/shipping_time"
FEE = FaqEntry(id="fee", question="运费多少", answer="满 99 元包邮。", variants=("包邮吗",))


@pytest.fixture
async def app_client(aiohttp_client, tmp_path, database, monkeypatch):
    """The real app (shop FAQ) on the `database` fixture: an SQLite file, or PostgreSQL in a schema
    of its own. Overrides tests/editor/conftest.py's, so `editor` and `services` run on both."""
    monkeypatch.setattr(bot.services, "Database", lambda url: database)
    return await aiohttp_client(create_app(make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FAQ))))


@pytest.fixture
async def colleague(aiohttp_client, app_client, services) -> Session:
    return await Session.login(aiohttp_client, app_client, services, "li", "editor")


async def snapshot(services, entry_id: str = "shipping_time"):
    store = services.kb.store
    return (await store.get(entry_id, "draft"), await store.get(entry_id, "published"),
            len(await store.history(entry_id)), len(await store.audit_log(1000)))


async def test_a_save_based_on_a_stale_copy_is_409_names_who_and_changes_nothing(editor, colleague, services):
    mine, theirs = await read(editor, ENTRY), await read(colleague, ENTRY)
    assert mine["revision"] == theirs["revision"] >= 1
    saved = await colleague.put(ENTRY, edit(theirs, answer="24 小时内发货。"))
    assert saved.status == 200, await saved.text()
    assert (await saved.json())["revision"] == mine["revision"] + 1
    before = await snapshot(services)

    stale = await editor.put(ENTRY, edit(mine, answer="我的答案：48 小时内发货。"))
    assert stale.status == 409
    error = (await stale.json())["error"]
    assert error["code"] == "edit_conflict" and error["changed_by"] == "li" and error["change"] == "save"
    assert error["base_revision"] == mine["revision"] and error["current_revision"] == mine["revision"] + 1
    assert error["changed_at"] and error["deleted"] is False
    assert "li" in error["message"] and "reload" in error["message"] and "重新加载" in error["message"]
    assert await snapshot(services) == before  # no draft, history row or audit event of the refused save
    assert (await services.kb.store.get("shipping_time")).answer == "24 小时内发货。"

    fresh = await read(editor, ENTRY)  # reload, re-apply: accepted
    assert fresh["revision"] == mine["revision"] + 1
    again = await editor.put(ENTRY, edit(fresh, answer="我的答案：48 小时内发货。"))
    assert again.status == 200 and (await again.json())["revision"] == fresh["revision"] + 1
    assert (await services.kb.store.get("shipping_time")).answer == "我的答案：48 小时内发货。"


async def test_concurrent_saves_with_the_same_base_exactly_one_wins(editor, colleague, services):
    base = await read(editor, ENTRY)
    answers = [f"答案 {i}" for i in range(6)]
    sessions = [editor, colleague] * 3
    responses = await asyncio.gather(*(s.put(ENTRY, edit(base, answer=a)) for s, a in zip(sessions, answers)))
    statuses = [r.status for r in responses]
    assert sorted(statuses) == [200] + [409] * 5, statuses
    winner = answers[statuses.index(200)]
    for resp in responses:
        if resp.status == 409:
            assert (await resp.json())["error"]["code"] == "edit_conflict"
    assert (await services.kb.store.get("shipping_time")).answer == winner
    assert (await read(editor, ENTRY))["revision"] == base["revision"] + 1  # exactly one new revision


async def test_concurrent_creates_of_one_id_exactly_one_wins_and_nothing_is_overwritten(editor, colleague, services):
    bodies = [{"id": "gift_wrap", "question": f"能包装吗 {i}", "answer": f"可以 {i}"} for i in range(6)]
    sessions = [editor, colleague] * 3
    responses = await asyncio.gather(*(s.post("/api/editor/entries", b) for s, b in zip(sessions, bodies)))
    statuses = [r.status for r in responses]
    assert sorted(statuses) == [201] + [409] * 5, statuses
    assert {(await r.json())["error"]["code"] for r in responses if r.status == 409} == {"exists"}
    assert (await services.kb.store.get("gift_wrap")).answer == bodies[statuses.index(201)]["answer"]
    assert len(await services.kb.store.history("gift_wrap")) == 1
    # Creating an id that exists never replaces it, draft or live.
    taken = await editor.post("/api/editor/entries", {"id": "shipping_time", "question": "q", "answer": "a"})
    assert taken.status == 409 and (await taken.json())["error"]["code"] == "exists"


async def test_a_publish_in_between_is_not_a_conflict(editor, colleague, services):
    """Publishing makes a draft live unchanged, so a copy read before it is still up to date."""
    await editor.put(ENTRY, edit(await read(editor, ENTRY), answer="草稿答案"))
    mine = await read(editor, ENTRY)
    assert (await colleague.post("/api/editor/publish")).status == 200
    saved = await editor.put(ENTRY, edit(mine, answer="在发布之后改的"))
    assert saved.status == 200, await saved.text()


async def test_delete_and_rollback_are_protected_too(editor, colleague, services):
    mine = await read(editor, ENTRY)
    assert (await colleague.put(ENTRY, edit(mine, answer="同事的答案"))).status == 200
    before = await snapshot(services)
    stale_delete = await editor.delete(f"{ENTRY}?base_revision={mine['revision']}")
    assert stale_delete.status == 409 and (await stale_delete.json())["error"]["changed_by"] == "li"
    stale_rollback = await editor.post(f"{ENTRY}/rollback", {"revision": 1, "base_revision": mine["revision"]})
    assert stale_rollback.status == 409
    assert await snapshot(services) == before

    fresh = await read(editor, ENTRY)
    assert (await colleague.delete(f"{ENTRY}?base_revision={fresh['revision']}")).status == 204
    gone = await editor.put(ENTRY, edit(fresh, answer="我还在改"))  # deleted meanwhile: a conflict, not a 404
    error = (await gone.json())["error"]
    assert gone.status == 409 and error["change"] == "delete" and error["deleted"] is True
    assert await services.kb.store.get("shipping_time") is None  # not brought back by the stale save


async def test_missing_or_garbled_tokens(editor, services):
    one = await read(editor, ENTRY)
    before = await snapshot(services)
    for token in ("abc", -1, True, 1.5, "1e3", 2**40, [1], one["revision"] + 5):
        resp = await editor.put(ENTRY, edit(one, answer="x") | {"base_revision": token})
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_base_revision", token
    for query in ("abc", "-1", "99999999999", "9" * 5000):
        resp = await editor.delete(f"{ENTRY}?base_revision={query}")
        assert resp.status == 400 and (await resp.json())["error"]["code"] == "bad_base_revision", query
    assert await snapshot(services) == before
    # Without a token the save is accepted as before (last write wins): older API clients keep working.
    plain = edit(one, answer="没有 token 的保存")
    del plain["base_revision"]
    assert (await editor.put(ENTRY, plain)).status == 200
    assert (await editor.put("/api/editor/entries/nope", edit(one) | {"base_revision": 0})).status == 404


# ---- The store under real concurrency (PostgreSQL runs these transactions in parallel) ----

async def _racing(store, base: int, rounds_tag: str):
    """Five different edits of one entry, all based on the same revision, started at once."""
    work = (await store.state("fee")).working
    edits = [
        store.write_draft(replace(work, answer=f"{rounds_tag} a"), "alice", base_revision=base),
        store.write_draft(replace(work, answer=f"{rounds_tag} b"), "bob", base_revision=base, expect="existing"),
        store.write_draft(replace(work, answer=f"{rounds_tag} c"), "carol", base_revision=base, operation="rollback"),
        store.discard_draft("fee", "dave", base_revision=base),
        store.delete("fee", "erin", base_revision=base),
    ]
    return await asyncio.gather(*edits, return_exceptions=True)


async def test_store_edits_racing_on_one_base_exactly_one_wins_each_time(database):
    store = FaqStore(database.engine)
    await store.replace_all([FEE], by="import")
    for round_no in range(8):
        state = await store.state("fee")
        if state.working is None:  # the delete won last round: bring it back
            await store.write_draft(FEE, "import", base_revision=state.revision)
        elif state.draft is None:  # something to discard
            await store.write_draft(state.working, "import", base_revision=state.revision)
        state = await store.state("fee")
        outcomes = await _racing(store, state.revision, f"round {round_no}")
        won = [o for o in outcomes if not isinstance(o, BaseException)]
        lost = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(won) == 1 and all(isinstance(e, EditRefused) and e.reason == "stale" for e in lost), outcomes
        history = await store.history("fee")
        assert [r.revision for r in history] == list(range(len(history), 0, -1))  # no gap, no twice
        assert history[0].revision == state.revision + 1


async def test_a_publish_racing_with_a_save_never_loses_the_save(database):
    """Whichever goes first, the newer text stays the working copy (live, or a draft over the live)."""
    store = FaqStore(database.engine)
    await store.replace_all([FEE], by="import")
    for round_no in range(8):
        state = await store.state("fee")
        await store.write_draft(replace(FEE, answer=f"draft {round_no}"), "alice", base_revision=state.revision)
        state = await store.state("fee")
        newer = replace(FEE, answer=f"newer {round_no}")
        _, saved = await asyncio.gather(store.publish("bob"), store.write_draft(newer, "carol", base_revision=state.revision))
        assert saved.revision > state.revision
        assert (await store.state("fee")).working.answer == f"newer {round_no}"  # live or still a draft, never lost
