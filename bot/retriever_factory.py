"""Builds the retriever the bot uses, in the web process or in its search process."""
from __future__ import annotations

from bot.settings import Settings
from knowledge.embedder import load_embedder
from knowledge.retriever import Retriever
from knowledge.tuning import with_tuned_model

__all__ = ["build_retriever"]


def build_retriever(settings: Settings) -> Retriever:
    """The tuned model when `kefu kb tune` made one; ONNX exports and indexes cached in the data directory."""
    knowledge = with_tuned_model(settings.knowledge, settings.server.data_dir)
    cache = settings.server.data_dir / "index"
    return Retriever(knowledge, load_embedder(knowledge, cache), cache_dir=cache)
