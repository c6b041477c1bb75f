"""Retrievers for `SearchProcess` tests, built in the child process by name."""
from __future__ import annotations

import os
from pathlib import Path

from knowledge.fake_embedder import FakeEmbedder
from knowledge.retriever import Retriever
from tests.knowledge.test_retriever import settings


def fake_retriever() -> Retriever:
    return Retriever(settings(), FakeEmbedder())


class CrashingRetriever(Retriever):
    """Dies (as a segfault in a native library would) on a question containing CRASH; with
    `once_marker`, only the first time, so the question answers after a restart."""

    def __init__(self, once_marker: str | None) -> None:
        super().__init__(settings(), FakeEmbedder())
        self._marker = Path(once_marker) if once_marker else None

    def encode_queries(self, texts):
        if any("CRASH" in t for t in texts):
            if self._marker is None or not self._marker.exists():
                if self._marker is not None:
                    self._marker.write_text("crashed once")
                os._exit(3)
        return super().encode_queries(texts)


def crashing_retriever(once_marker: str | None = None) -> Retriever:
    return CrashingRetriever(once_marker)


def broken_factory() -> Retriever:
    raise FileNotFoundError("no model at /nowhere/model")
