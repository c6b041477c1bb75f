"""The FAQ knowledge base: store, formats, embedder, indexes, fusion and decision.

Names are imported on first use (PEP 562), so `import knowledge.settings` stays light and
models, faiss and jieba load only in an explicit step.
"""
from __future__ import annotations

import importlib

_EXPORTS = {
    "FaqEntry": "knowledge.types", "Candidate": "knowledge.types", "SearchResult": "knowledge.types",
    "KnowledgeSettings": "knowledge.settings", "Retriever": "knowledge.retriever",
    "Embedder": "knowledge.embedder", "load_embedder": "knowledge.embedder",
    "FakeEmbedder": "knowledge.fake_embedder", "OnnxEmbedder": "knowledge.onnx_embedder",
    "run_evaluation": "knowledge.evaluation", "EvaluationError": "knowledge.evaluation",
    "tune_model": "knowledge.tuning", "IntentHead": "knowledge.intent_head", "with_tuned_model": "knowledge.tuning", "FaissIndex": "knowledge.faiss_index",
    "ScopeModel": "knowledge.scope_model",
    "LexicalIndex": "knowledge.lexical_index", "FaqStore": "knowledge.faq_store",
    "KnowledgeBase": "knowledge.knowledge_base", "read_faq": "knowledge.formats", "write_faq": "knowledge.formats",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'knowledge' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
