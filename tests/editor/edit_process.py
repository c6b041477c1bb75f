"""One editing process of test_two_process_edits.py, started with multiprocessing's "spawn".

It opens the database as every kefu process does (`Database`, `migrate`, `FaqStore`), runs its side
of a scenario in step with the other process (both wait at a shared Barrier before each step, so
their transactions start together), and writes what each step gave to a JSON file. A caller would
see an `EditRefused` as a 409; any other exception (e.g. "database is locked") as a 500, so it is
recorded as an error rather than raised: the test names every one.
"""
from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable

from bot.storage import Database
from knowledge.faq_store import EditRefused, EntryWrite, FaqStore
from knowledge.types import FaqEntry

FEE = FaqEntry(id="fee", question="运费多少", answer="满 99 元包邮。", variants=("包邮吗",))
BARRIER_TIMEOUT = 300.0  # only so a partner that died breaks the barrier instead of hanging the run

Step = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Side:
    scenario: str  # a key of SCENARIOS
    name: str  # the editor's name; also the entry it edits in "own_entry"
    url: str
    schema: str | None
    rounds: int
    out: str  # where the JSON result goes


def run(side: Side, barrier) -> None:
    """The process's target."""
    Path(side.out).write_text(json.dumps(asyncio.run(_run(side, barrier))))


async def _run(side: Side, barrier) -> list[dict[str, Any]]:
    db = Database(side.url, schema=side.schema)
    try:
        await db.migrate()  # as `kefu run` and `kefu kb import` do at start, both at once here
        store = FaqStore(db.engine)

        async def step() -> None:
            await asyncio.to_thread(barrier.wait, BARRIER_TIMEOUT)

        return await SCENARIOS[side.scenario](store, side, step)
    finally:
        await db.close()


async def attempt(edit: Awaitable[EntryWrite | int]) -> dict[str, Any]:
    try:
        done = await edit
    except EditRefused as exc:
        return {"outcome": "refused", "reason": exc.reason, "current": exc.current_revision}
    except Exception as exc:  # noqa: BLE001 - exactly what must never reach a caller
        return {"outcome": "error", "error": repr(exc)}
    if isinstance(done, int):  # publish / import: the new version
        return {"outcome": "done", "version": done}
    return {"outcome": "saved", "revision": done.revision, "answer": done.entry.answer}


async def same_entry(store: FaqStore, side: Side, step: Step) -> list[dict[str, Any]]:
    """Each round both processes read "fee", then both save it based on that revision."""
    rounds = []
    for round_no in range(side.rounds):
        state = await store.state("fee")
        mine = f"{side.name} {round_no}"
        await step()  # both hold the same revision; neither has written
        outcome = await attempt(store.write_draft(replace(state.working, answer=mine), side.name,
                                                  base_revision=state.revision))
        await step()  # both edits are over
        stored = await store.get("fee")
        rounds.append(outcome | {"base": state.revision, "mine": mine, "stored": stored.answer})
    return rounds


async def drafts(store: FaqStore, side: Side, step: Step, entry_id: str, text: str) -> AsyncIterator[dict[str, Any]]:
    """Each round, in step with the other process: a draft of `entry_id` answering "<text> <round>",
    based on the revision this process saved last. Yields each outcome with that base."""
    state = await store.state(entry_id)
    work, revision = state.working, state.revision
    for round_no in range(side.rounds):
        await step()
        outcome = await attempt(store.write_draft(replace(work, answer=f"{text} {round_no}"), side.name,
                                                  base_revision=revision))
        yield outcome | {"base": revision}
        revision = outcome.get("revision", revision)


async def own_entry(store: FaqStore, side: Side, step: Step) -> list[dict[str, Any]]:
    """Each process saves its own entry again and again, each save based on the one before."""
    return [outcome async for outcome in drafts(store, side, step, side.name, side.name)]


async def publish_and_import(store: FaqStore, side: Side, step: Step) -> list[dict[str, Any]]:
    """Each round a publish (even rounds) or a merge import of "returns" (odd rounds, `kefu kb import`)."""
    done = []
    for round_no in range(side.rounds):
        await step()
        if round_no % 2 == 0:
            outcome = await attempt(store.publish(side.name))
        else:
            entry = FaqEntry(id="returns", question="怎么退货", answer=f"import {round_no}")
            outcome = await attempt(store.replace_all([entry], by=side.name))
        await step()
        done.append(outcome | {"operation": "publish" if round_no % 2 == 0 else "import"})
    return done


async def save_drafts(store: FaqStore, side: Side, step: Step) -> list[dict[str, Any]]:
    """Each round a draft of "fee" while the other process publishes or imports; then what is stored."""
    saves = []
    async for outcome in drafts(store, side, step, "fee", "draft"):
        await step()  # the publish or import of this round is over too
        now = await store.state("fee")
        saves.append(outcome | {"draft": now.draft and now.draft.answer, "live": now.live and now.live.answer})
    return saves


async def import_replacing(store: FaqStore, side: Side, step: Step) -> list[dict[str, Any]]:
    """Each round `kefu kb import --mode replace` of the same file: the knowledge base is "fee" again."""
    done = []
    for _ in range(side.rounds):
        await step()
        done.append(await attempt(store.replace_all([FEE], by=side.name, mode="replace")))
        await step()
    return done


async def create_entries(store: FaqStore, side: Side, step: Step) -> list[dict[str, Any]]:
    """Each round a new entry while the other process imports."""
    created = []
    for round_no in range(side.rounds):
        await step()
        entry = FaqEntry(id=f"new_{round_no}", question=f"新问题 {round_no}", answer=f"新答案 {round_no}")
        created.append(await attempt(store.write_draft(entry, side.name, expect="new")) | {"id": entry.id})
        await step()
    return created


SCENARIOS: dict[str, Callable[[FaqStore, Side, Step], Awaitable[list[dict[str, Any]]]]] = {
    "same_entry": same_entry, "own_entry": own_entry,
    "publish_and_import": publish_and_import, "save_drafts": save_drafts,
    "import_replacing": import_replacing, "create_entries": create_entries,
}
