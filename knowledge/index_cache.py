"""Built indexes on disk, keyed by KB version, model and index kind, so a restart embeds nothing.

Each key is one directory `<cache_dir>/indexes/<hash>/` written under a temporary name and
renamed into place, so a crash never leaves a half-written index that a later start would load.
Vectors of the newest cached index of the same model are also reusable by text: publishing a new
KB version embeds only the phrasings that are new.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from knowledge.faiss_index import FaissIndex
from knowledge.phrasing_index import PhrasingIndex
from knowledge.tokenizer import Tokenizer

__all__ = ["IndexCache"]

log = logging.getLogger(__name__)

_FORMAT = 1
_KEEP_PER_MODEL = 3  # older indexes of a model are deleted
# what reading a truncated or foreign cache raises (faiss: RuntimeError, np.load: BadZipFile)
_UNREADABLE = (OSError, ValueError, KeyError, RuntimeError, EOFError, zipfile.BadZipFile)


class IndexCache:
    def __init__(self, cache_dir: Path) -> None:
        self.root = Path(cache_dir) / "indexes"

    def key_dir(self, version: str, model: str, kind: str) -> Path:
        digest = hashlib.sha256(json.dumps([_FORMAT, version, model, kind]).encode()).hexdigest()[:24]
        return self.root / digest

    def load(self, version: str, model: str, kind: str, tokenizer: Tokenizer, **index_args) -> tuple[PhrasingIndex, dict] | None:
        directory = self.key_dir(version, model, kind)
        if not (directory / "meta.json").is_file():
            return None
        try:
            index, meta = PhrasingIndex.load(directory, tokenizer, **index_args)
        except _UNREADABLE as exc:  # corrupt or foreign: rebuild
            log.warning("ignoring unreadable cached index %s: %s", directory, exc)
            return None
        if (meta.get("version"), meta.get("model"), meta.get("kind")) != (version, model, kind):
            log.warning("ignoring cached index %s: written for another version or model", directory)
            return None
        return index, meta

    def save(self, index: PhrasingIndex, version: str, model: str, kind: str, extra: dict) -> Path:
        final = self.key_dir(version, model, kind)
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=self.root))
        try:
            index.save(tmp, {**extra, "version": version, "model": model, "kind": kind})
            if final.exists():
                shutil.rmtree(final)  # same key, stale content (e.g. a KB re-published under one version)
            os.rename(tmp, final)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._prune(model, keep=final)
        return final

    def reusable_vectors(self, model: str, dim: int) -> dict[str, np.ndarray]:
        """text -> vector from the newest cached index of `model` (empty when there is none)."""
        for directory in self._dirs_of(model):
            try:
                meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
                dense = FaissIndex.load(directory / "vectors.faiss")
                if dense.dim != dim:
                    continue
                ids = np.array([int(p) for p in meta["texts"]], dtype=np.int64)
                vectors = dense.vectors(ids)
                return dict(zip(meta["texts"].values(), vectors))
            except _UNREADABLE as exc:
                log.warning("cannot reuse vectors of %s: %s", directory, exc)
        return {}

    def _dirs_of(self, model: str) -> list[Path]:
        """Cached index directories of `model`, newest first."""
        if not self.root.is_dir():
            return []
        found = []
        for d in self.root.iterdir():
            meta = d / "meta.json"
            if d.name.startswith(".") or not meta.is_file():
                continue
            try:
                if json.loads(meta.read_text(encoding="utf-8")).get("model") == model:
                    found.append((meta.stat().st_mtime, d))
            except (OSError, ValueError):
                continue
        return [d for _, d in sorted(found, reverse=True)]

    def _prune(self, model: str, keep: Path) -> None:
        for old in [d for d in self._dirs_of(model) if d != keep][_KEEP_PER_MODEL - 1 :]:
            shutil.rmtree(old, ignore_errors=True)
