"""The knowledge base as the engine sees it: published FAQ entries plus their search index."""
from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Sequence

from knowledge.faq_store import FaqStore
from knowledge.search_batcher import SearchBatcher
from knowledge.search_process import SearchProcess
from knowledge.types import FaqEntry, SearchResult

if TYPE_CHECKING:  # the web process with a search process never loads the retriever's libraries
    from knowledge.retriever import Retriever

log = logging.getLogger(__name__)


class KnowledgeBase:
    def __init__(self, store: FaqStore, retriever: Retriever | SearchProcess) -> None:
        self.store = store
        self.retriever = retriever
        # A search process batches on its own side; in this process, the batcher does.
        self._remote = retriever if isinstance(retriever, SearchProcess) else None
        self._batcher = None if self._remote else SearchBatcher(retriever.search_batch, retriever.encode_queries)
        self._entries: dict[str, FaqEntry] = {}
        self.version: int | None = None

    async def load(self, progress: bool = False) -> None:
        """Index the published entries (or load the saved index of this version)."""
        version = await self.store.version()
        entries = await self.store.list_entries("published")
        # Off the search thread: the retriever swaps in the new index when it is ready, so
        # customers keep getting answers from the old one meanwhile.
        if self._remote is not None:
            await self._remote.build_async(entries, str(version))
        else:
            await asyncio.to_thread(self.retriever.build, entries, str(version), progress)
        self._entries = {entry.id: entry for entry in entries}
        self.version = version

    async def refresh(self) -> bool:
        """Reload when another process (or the editor) published a new version."""
        if await self.store.version() == self.version:
            return False
        await self.load()
        return True

    async def watch(self, every_seconds: float) -> None:
        """Pick up publishes made by any process (editor UI, `kefu kb`, another worker)."""
        while True:
            await asyncio.sleep(every_seconds)
            try:
                if await self.refresh():
                    log.info("knowledge base version %s loaded", self.version)
            except Exception:  # a passing database error must not stop watching
                log.exception("knowledge base refresh failed")

    @property
    def search_process(self) -> SearchProcess | None:
        """The process searching for this knowledge base, or None when search runs in this one."""
        return self._remote

    def entry(self, entry_id: str) -> FaqEntry | None:
        return self._entries.get(entry_id)

    @property
    def entries(self) -> Sequence[FaqEntry]:
        return tuple(self._entries.values())

    async def search(self, text: str) -> SearchResult:
        if self._remote is not None:
            return await self._remote.search(text)
        return await self._batcher.search(text)

    def close(self) -> None:
        if self._remote is not None:
            self._remote.close()
        else:
            self._batcher.close()
