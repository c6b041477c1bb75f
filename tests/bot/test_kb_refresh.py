"""A publish by anyone (editor, CLI, another worker) reaches a running engine without a restart."""
from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from tests.bot.dialogue_harness import FIXTURES, DialogueHarness
from tests.conftest import make_settings


@pytest.mark.parametrize("search_process", ["false", "true"])  # search in the engine's process or its own
async def test_published_variant_is_answered_by_a_running_engine(tmp_path, search_process):
    settings = make_settings(tmp_path, KEFU_KNOWLEDGE__DEMO_KB=str(FIXTURES / "shop_faq.json"),
                             KEFU_SERVER__SEARCH_PROCESS=search_process)
    bot = await DialogueHarness.start(settings)
    other_worker = await DialogueHarness.start(settings)  # a second process on the same database
    watcher = asyncio.create_task(bot.services.kb.watch(0.05))
    try:
        question = "送货上门需要加钱吗"
        [before] = await bot.push(question)
        assert before.kind == "no_answer"
        store = other_worker.services.kb.store
        entry = await store.get("shipping_time")
        await store.save(replace(entry, variants=(*entry.variants, question)), by="editor")
        await store.publish(by="editor")
        for _ in range(100):
            if bot.services.kb.version == await store.version():
                break
            await asyncio.sleep(0.05)
        [after] = await bot.push(question)
        assert after.kind == "answer" and after.metadata["entry_id"] == "shipping_time"
        assert (bot.services.kb.search_process is not None) == (search_process == "true")
    finally:
        watcher.cancel()
        await bot.close()
        await other_worker.close()
