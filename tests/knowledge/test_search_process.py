"""SearchProcess: a retriever in a child process answers exactly as one in this process would,
reports the child's errors, and survives the child dying."""
from __future__ import annotations

import asyncio
import os
import signal

import pytest

from knowledge.search_process import SearchProcess, SearchProcessError
from tests.knowledge.search_process_factories import fake_retriever
from tests.knowledge.test_batched_search import QUERIES
from tests.knowledge.test_retriever import KB, faq

FACTORIES = "tests.knowledge.search_process_factories:"


@pytest.fixture
async def remote():
    process = await SearchProcess(FACTORIES + "fake_retriever").start()
    await process.build_async(KB, "v1")
    yield process
    process.close()


def local():
    retriever = fake_retriever()
    retriever.build(KB, "v1")
    return retriever


async def test_answers_equal_an_in_process_retriever(remote):
    retriever = local()
    results = await asyncio.gather(*(remote.search(q) for q in QUERIES))  # concurrent: batched in the child
    assert results == retriever.search_batch(QUERIES)
    assert results[0].top.entry_id == "password"
    # the editor's blocking call, from a thread as the editor makes it
    assert await asyncio.to_thread(remote.search_batch, QUERIES, 3) == retriever.search_batch(QUERIES, 3)


async def test_a_rebuild_is_searched_at_once(remote):
    assert (await remote.search("Can I buy a gift card?")).top.entry_id != "gift"
    await remote.build_async([*KB, faq("gift", "Can I buy a gift card?", "gift card purchase")], "v2")
    assert (await remote.search("Can I buy a gift card?")).top.entry_id == "gift"
    # the blocking form the knowledge base uses from a thread
    await asyncio.to_thread(remote.build, KB, "v3")
    assert (await remote.search("Can I buy a gift card?")).top.entry_id != "gift"


async def test_the_childs_errors_reach_the_caller_with_their_type(remote):
    with pytest.raises(ValueError, match="k must be a positive int"):
        await asyncio.to_thread(remote.search_batch, ["password"], 0)
    assert (await remote.search("I forgot my password")).top.entry_id == "password"  # still serving


async def test_a_killed_child_is_restarted_with_the_last_build(remote):
    first = remote.pid
    await remote.build_async([*KB, faq("gift", "Can I buy a gift card?", "gift card purchase")], "v2")
    os.kill(first, signal.SIGKILL)
    # asked while the child is dead or restarting: waits for the new one instead of failing
    result = await asyncio.wait_for(remote.search("Can I buy a gift card?"), 60)
    assert result.top.entry_id == "gift"
    assert remote.pid != first


async def test_a_question_that_kills_the_child_once_is_answered_after_the_restart(tmp_path):
    process = await SearchProcess(FACTORIES + "crashing_retriever", (str(tmp_path / "crashed"),)).start()
    try:
        await process.build_async(KB, "v1")
        first = process.pid
        results = await asyncio.wait_for(asyncio.gather(
            process.search("CRASH my password"), process.search("I forgot my password")), 60)
        assert [r.top.entry_id for r in results] == ["password", "password"]
        assert process.pid != first and (tmp_path / "crashed").exists()
    finally:
        process.close()


async def test_a_question_that_always_kills_the_child_fails_alone():
    process = await SearchProcess(FACTORIES + "crashing_retriever").start()
    try:
        await process.build_async(KB, "v1")
        with pytest.raises(SearchProcessError, match="stopped twice"):
            await asyncio.wait_for(process.search("CRASH again"), 60)
        assert (await asyncio.wait_for(process.search("I forgot my password"), 60)).top.entry_id == "password"
    finally:
        process.close()


async def test_a_factory_that_fails_gives_a_clear_error():
    with pytest.raises(SearchProcessError, match="could not start: FileNotFoundError: no model at /nowhere/model"):
        await SearchProcess(FACTORIES + "broken_factory").start()


async def test_close_stops_the_child_and_refuses_further_searches(remote):
    child = remote.pid
    remote.close()
    with pytest.raises(SearchProcessError, match="closed"):
        await remote.search("password")
    with pytest.raises(ProcessLookupError):  # gone and reaped
        os.kill(child, 0)
