"""Two OS processes editing one knowledge base at once (`kefu run` and `kefu kb import`, or two web
workers): on an SQLite file and on PostgreSQL.

Each side runs in its own process (tests/editor/edit_process.py, started with "spawn"); the two meet
at a Barrier before every step so their transactions really overlap. Whatever the interleaving, a
caller only ever sees a saved edit or the store's conflict (`EditRefused`), never "database is
locked"; no save is lost, each publish or import moves the version on exactly once, and an import
that replaces the knowledge base records every entry it removed.
"""
from __future__ import annotations

import asyncio
import json
import multiprocessing
from pathlib import Path
from typing import Any

import pytest

from knowledge.faq_store import EditRefused, FaqStore
from knowledge.types import FaqEntry
from tests.editor.edit_process import FEE, Side, run

JOIN_TIMEOUT = 600.0  # a hang guard, not a measurement: a healthy run takes seconds
LEFT = FaqEntry(id="left", question="营业时间", answer="9 点到 18 点。")
RIGHT = FaqEntry(id="right", question="怎么开发票", answer="在订单页申请。")


async def seeded(database) -> FaqStore:
    store = FaqStore(database.engine)
    await store.replace_all([FEE, LEFT, RIGHT], by="seed")
    return store


async def run_sides(database, tmp_path: Path, rounds: int, *sides: tuple[str, str]) -> list[list[dict[str, Any]]]:
    """Run each (scenario, name) in a process of its own, all on `database`; what each recorded."""
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(len(sides))
    plan = [Side(scenario, name, database.url, database.schema, rounds, str(tmp_path / f"{name}.json"))
            for scenario, name in sides]
    processes = [spawn.Process(target=run, args=(side, barrier), name=f"editor-{side.name}") for side in plan]
    for process in processes:
        process.start()
    for process in processes:
        await asyncio.to_thread(process.join, JOIN_TIMEOUT)
    hung = [process for process in processes if process.is_alive()]
    for process in hung:
        process.kill()
    assert not hung, f"still running after {JOIN_TIMEOUT} s: {hung}"
    assert [process.exitcode for process in processes] == [0] * len(processes)  # tracebacks are in the output
    return [json.loads(Path(side.out).read_text()) for side in plan]


def failures(outcomes: list[dict[str, Any]], expected: str) -> list[dict[str, Any]]:
    return [outcome for outcome in outcomes if outcome["outcome"] != expected]


async def test_same_entry_from_the_same_revision_one_process_wins_the_other_gets_a_conflict(database, tmp_path):
    store = await seeded(database)
    rounds = 30
    start = len(await store.history("fee"))
    alice, bob = await run_sides(database, tmp_path, rounds, ("same_entry", "alice"), ("same_entry", "bob"))

    winners = []
    for round_no, pair in enumerate(zip(alice, bob)):
        won = [outcome for outcome in pair if outcome["outcome"] == "saved"]
        refused = [outcome for outcome in pair if outcome["outcome"] == "refused"]
        assert len(won) == 1 and len(refused) == 1, (round_no, pair)  # an "error" here: locked, a 500
        assert pair[0]["base"] == pair[1]["base"] == start + round_no
        assert won[0]["revision"] == refused[0]["current"] == start + round_no + 1
        assert refused[0]["reason"] == "stale"
        assert pair[0]["stored"] == pair[1]["stored"] == won[0]["mine"] == won[0]["answer"]
        winners.append(won[0]["mine"])

    # The refused saves wrote nothing: one history row and one audit event per round, the winner's.
    history = await store.history("fee")
    assert [row.revision for row in history] == list(range(start + rounds, 0, -1))
    assert [row.entry.answer for row in reversed(history[:rounds])] == winners
    saves = [event for event in await store.audit_log(1000) if event.operation == "save"]
    assert [event.by for event in reversed(saves)] == [winner.split()[0] for winner in winners]
    assert (await store.get("fee")).answer == winners[-1]


async def test_different_entries_every_save_of_both_processes_lands(database, tmp_path):
    store = await seeded(database)
    rounds = 20
    results = await run_sides(database, tmp_path, rounds, ("own_entry", "left"), ("own_entry", "right"))

    for name, saves in zip(("left", "right"), results):
        assert failures(saves, "saved") == []  # none refused, none "database is locked"
        start = saves[0]["base"]
        assert [save["base"] for save in saves] == list(range(start, start + rounds))
        assert [save["revision"] for save in saves] == list(range(start + 1, start + rounds + 1))
        history = await store.history(name)
        assert [row.revision for row in history] == list(range(start + rounds, 0, -1))
        assert [(row.change, row.changed_by, row.entry.answer) for row in reversed(history[:rounds])] == [
            ("save", name, f"{name} {i}") for i in range(rounds)]
        assert [event.operation for event in await store.audit_log(1000) if event.by == name] == ["save"] * rounds
        assert (await store.get(name)).answer == f"{name} {rounds - 1}"


async def test_publishes_and_imports_while_the_other_process_saves_drafts(database, tmp_path):
    store = await seeded(database)
    rounds = 10
    start_version, start = await store.version(), len(await store.history("fee"))
    kb_changes, saves = await run_sides(database, tmp_path, rounds,
                                        ("publish_and_import", "pub"), ("save_drafts", "sam"))

    assert failures(kb_changes, "done") == [] and failures(saves, "saved") == []
    # The version moves on exactly once per publish or import, and the audit log says which made it.
    assert [change["version"] for change in kb_changes] == list(range(start_version + 1, start_version + rounds + 1))
    assert await store.version() == start_version + rounds
    events = [event for event in reversed(await store.audit_log(1000)) if event.by == "pub"]
    assert [(event.operation, event.detail["version"]) for event in events] == [
        (change["operation"], change["version"]) for change in kb_changes]

    for round_no, seen in enumerate(saves):  # each round's draft is the working copy: live or a draft
        text = f"draft {round_no}"
        assert seen["draft"] == text or (seen["draft"] is None and seen["live"] == text), (round_no, seen)

    # Nothing half-written: each publish made live exactly the draft saved just before it, every
    # publish that took "fee" says so in its audit event, and what is stored is the last of them.
    history = list(reversed(await store.history("fee")))[start:]
    assert [row.revision for row in history] == list(range(start + 1, start + len(history) + 1))
    assert [row.entry.answer for row in history if row.change == "save"] == [f"draft {i}" for i in range(rounds)]
    for before, row in zip(history, history[1:]):
        if row.change == "publish":
            assert before.change == "save" and row.entry.answer == before.entry.answer and row.status == "published"
    published = [row.entry.answer for row in history if row.change == "publish"]
    assert len(published) == sum("fee" in event.detail.get("entries", ()) for event in events)
    state = await store.state("fee")
    if history[-1].change == "publish":
        assert state.draft is None and state.live.answer == published[-1] == f"draft {rounds - 1}"
    else:
        assert state.draft.answer == f"draft {rounds - 1}"
        assert state.live.answer == (published[-1] if published else FEE.answer)
    assert [row.entry.answer for row in reversed(await store.history("returns"))] == [
        f"import {i}" for i in range(1, rounds, 2)]
    assert (await store.get("returns", "published")).answer == f"import {rounds - 1}"


async def test_an_import_replacing_everything_while_the_other_process_creates_entries(database, tmp_path):
    """Every entry the import removed is in its audit event and has a delete in its history, so a
    copy of it read before is stale (409), not silently recreated."""
    store = await seeded(database)
    rounds = 20
    imports, created = await run_sides(database, tmp_path, rounds, ("import_replacing", "imp"), ("create_entries", "eve"))

    assert failures(imports, "done") == [] and failures(created, "saved") == []
    removed_by_import = {event.detail["version"]: set(event.detail["removed"])
                         for event in await store.audit_log(1000) if event.by == "imp"}
    assert sorted(removed_by_import) == [change["version"] for change in imports]
    removed = [entry_id for ids in removed_by_import.values() for entry_id in ids]
    assert len(removed) == len(set(removed))  # each entry removed once
    for one in created:
        history = await store.history(one["id"])
        gone = await store.get(one["id"]) is None
        assert [row.change for row in reversed(history)] == (["save", "delete"] if gone else ["save"]), one
        assert (one["id"] in removed) == gone, one
        if gone:  # an edit of the copy read before the import is refused, not a silent comeback
            with pytest.raises(EditRefused) as refused:
                await store.write_draft(FaqEntry(id=one["id"], question="q", answer="a"), "eve",
                                        base_revision=one["revision"])
            assert refused.value.reason == "stale" and refused.value.latest.change == "delete"
