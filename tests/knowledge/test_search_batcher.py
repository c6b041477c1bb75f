"""SearchBatcher: concurrent searches share batches, each gets its own result, errors reach every
waiter, and with an encoder the next batch is encoded while the previous one is ranked."""
from __future__ import annotations

import asyncio
import threading

import numpy as np
import pytest

from knowledge.search_batcher import SearchBatcher


def _result(text: str) -> str:
    return f"result of {text}"  # the batcher hands results through untouched


class Recorder:
    def __init__(self, fail_on: str = "") -> None:
        self.batches: list[list[str]] = []
        self.fail_on = fail_on

    def search_many(self, texts, vectors=None):
        self.batches.append(list(texts))
        if self.fail_on in texts:
            raise RuntimeError("index unavailable")
        if vectors is not None:  # ranking gets the vectors encoded for exactly these texts
            assert [int(v[0]) for v in vectors] == [len(t) for t in texts]
        return [_result(t) for t in texts]


def _encode(texts):
    return np.array([[len(t), 0.0] for t in texts], dtype=np.float32)


@pytest.mark.parametrize("encode", [None, _encode], ids=["one stage", "two stages"])
async def test_concurrent_searches_are_batched_and_get_their_own_results(encode):
    recorder = Recorder()
    batcher = SearchBatcher(recorder.search_many, encode)
    texts = ["a" * n for n in range(1, 41)]
    results = await asyncio.gather(*(batcher.search(t) for t in texts))
    assert results == [_result(t) for t in texts]
    assert len(recorder.batches) < len(texts)  # they shared calls
    assert sorted(t for b in recorder.batches for t in b) == sorted(texts)
    assert await batcher.search("lone") == _result("lone")  # and it goes on afterwards
    batcher.close()


@pytest.mark.parametrize("encode", [None, _encode], ids=["one stage", "two stages"])
async def test_a_failing_batch_fails_its_waiters_only(encode):
    recorder = Recorder(fail_on="broken")
    batcher = SearchBatcher(recorder.search_many, encode)
    outcomes = await asyncio.gather(batcher.search("broken"), batcher.search("fine"), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)  # same batch: both told, neither hangs
    assert await batcher.search("later") == _result("later")
    batcher.close()


async def test_the_next_batch_is_encoded_while_the_previous_one_is_ranked():
    second_encoding = threading.Event()
    encoded: list[list[str]] = []

    def encode(texts):
        encoded.append(list(texts))
        if len(encoded) == 2:
            second_encoding.set()
        return _encode(texts)

    def search_many(texts, vectors=None):
        if texts == ["first"]:
            # only returns if the second batch's encoding starts while this ranking still runs
            assert second_encoding.wait(timeout=30), "the second batch waited for the first's ranking"
        return [_result(t) for t in texts]

    batcher = SearchBatcher(search_many, encode)
    first = asyncio.ensure_future(batcher.search("first"))
    await asyncio.sleep(0)  # the first batch starts alone
    while not encoded:
        await asyncio.sleep(0.001)
    rest = [batcher.search(t) for t in ("second", "third")]
    results = await asyncio.gather(first, *rest)
    assert results == [_result("first"), _result("second"), _result("third")]
    assert encoded[1] == ["second", "third"]
    batcher.close()
