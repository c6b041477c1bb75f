"""`kefu kb tune`: fine-tune the embedding model on the knowledge base's own phrasings.

Contrastive pairs (two phrasings of one entry, MultipleNegativesRankingLoss with in-batch
negatives, no entry twice in a batch) on CPU. The model is saved as a normal sentence-transformers
folder under `<data_dir>/models/tuned-<kb hash>`, and `<data_dir>/models/current.json` points at
it; `with_tuned_model` turns that pointer into the settings the bot loads its embedder with.
No queries are used: only the KB's questions and variants.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Sequence

from tqdm import tqdm

from knowledge.pair_sampler import PairSampler
from knowledge.settings import KnowledgeSettings
from knowledge.types import FaqEntry

__all__ = ["TuneResult", "TuningError", "tune_model", "tuned_model_path", "with_tuned_model", "POINTER"]

POINTER = "current.json"  # under <data_dir>/models/
MAX_PAIRS = 20_000  # per epoch: ~10 minutes on 2 busy cores; BANKING77 has 9,922
BATCH_SIZE = 32


class TuningError(Exception):
    """The model cannot be tuned (fake model, too few variants, unloadable weights)."""


@dataclass(frozen=True)
class TuneResult:
    path: Path  # the tuned model's directory
    seconds: float  # wall time of the training steps and the save, without the model load
    pairs: int  # training pairs over all epochs
    steps: int = 0
    kb_hash: str = ""


def tune_model(settings: KnowledgeSettings, entries: Sequence[FaqEntry], data_dir: str | Path, epochs: int = 1,
               max_pairs: int = MAX_PAIRS, batch_size: int = BATCH_SIZE, learning_rate: float = 2e-5,
               progress: bool = True, seed: int = 0) -> TuneResult:
    """Fine-tune `settings.model` on the published `entries`, save it, and point current.json at it."""
    if epochs < 1:
        raise TuningError(f"epochs must be >= 1, got {epochs}")
    if batch_size < 2:
        raise TuningError(f"batch_size must be >= 2 (in-batch negatives), got {batch_size}")
    published = [e for e in entries if e.status == "published"]
    try:
        sampler = PairSampler(published, max_pairs, seed)
    except ValueError as exc:
        raise TuningError(str(exc)) from None
    base = _base_model(settings)
    digest = kb_hash(settings.model, published)
    models = Path(data_dir) / "models"
    final = models / f"tuned-{digest}"

    torch, model, loss_fn = _load(base, settings.threads, seed)
    started = time.perf_counter()
    plan = [sampler.batches(sampler.pairs(), batch_size) for _ in range(epochs)]
    steps = sum(len(batches) for batches in plan)
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 10)
    # linear warm-up over the first 10% of steps, then linear decay to zero (sentence-transformers' default)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    # `preprocess` replaced `tokenize` in sentence-transformers 6
    prepare = getattr(model, "preprocess", None) or model.tokenize
    model.train()
    with tqdm(total=steps, desc="tuning", unit="batch", disable=not progress) as bar:
        for epoch, batches in enumerate(plan, start=1):
            for batch in batches:
                # anchors and positives are the same kind of text: one forward pass for both
                features = prepare([p.anchor for p in batch] + [p.positive for p in batch])
                embeddings = model(features)["sentence_embedding"]
                loss = loss_fn.compute_loss_from_embeddings(list(embeddings.split(len(batch))), None)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                bar.set_postfix(epoch=epoch, loss=f"{loss.item():.3f}")
                bar.update(1)
    model.eval()
    _save(model, final)
    seconds = time.perf_counter() - started
    pairs = sum(len(b) for batches in plan for b in batches)
    _write_pointer(models, {
        "path": final.name, "base_model": settings.model, "kb_hash": digest, "epochs": epochs,
        "pairs": pairs, "seconds": round(seconds, 1), "created_at": datetime.now(timezone.utc).isoformat(),
    })
    return TuneResult(final, seconds, pairs, steps, digest)


def kb_hash(base_model: str, entries: Sequence[FaqEntry]) -> str:
    """Names the tuned model after its base and the phrasings it learnt from."""
    items = sorted((e.id, list(e.phrasings)) for e in entries)
    return hashlib.sha256(json.dumps([base_model, items], ensure_ascii=False).encode()).hexdigest()[:16]


def tuned_model_path(data_dir: str | Path, settings: KnowledgeSettings) -> Path | None:
    """The tuned model current.json points at, if it was tuned from the configured `settings.model`.

    A pointer written for another base model is ignored: changing knowledge.model in config.yml
    must not keep serving a model tuned from the old one.
    """
    pointer = Path(data_dir) / "models" / POINTER
    if not pointer.is_file():
        return None
    try:
        data = json.loads(pointer.read_text(encoding="utf-8"))
        path = pointer.parent / data["path"]
        base = data["base_model"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TuningError(f"{pointer}: unreadable tuned-model pointer ({exc}); delete it or run `kefu kb tune`") from None
    if base != settings.model:
        return None
    if not (path / "config.json").is_file() and not (path / "modules.json").is_file():
        raise TuningError(f"{pointer}: points at {path}, which is not a saved model; delete it or run `kefu kb tune`")
    return path


def with_tuned_model(settings: KnowledgeSettings, data_dir: str | Path) -> KnowledgeSettings:
    """`settings` with `model` set to the tuned model when there is one (else unchanged)."""
    path = tuned_model_path(data_dir, settings)
    return settings if path is None else settings.model_copy(update={"model": str(path)})


def _base_model(settings: KnowledgeSettings) -> str:
    if settings.model == "fake":
        raise TuningError('the "fake" test embedder has no weights to tune; set knowledge.model to a real model')
    if settings.model == "default":
        from knowledge.embedder import default_model_dir

        return str(default_model_dir())
    return settings.model


def _load(base: str, threads: int, seed: int):
    os.environ["HF_HUB_OFFLINE"] = "1"  # read when huggingface_hub is first imported: nothing downloads
    try:
        import torch
        from sentence_transformers import SentenceTransformer
        try:
            from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
        except ImportError:  # sentence-transformers 5
            from sentence_transformers.losses import MultipleNegativesRankingLoss

        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(seed)
        model = SentenceTransformer(base, device="cpu")
    except Exception as exc:  # any loader failure becomes one clear error naming the model
        raise TuningError(f"cannot load embedding model {base!r} to tune: {exc}") from exc
    return torch, model, MultipleNegativesRankingLoss(model)


def _save(model, final: Path) -> None:
    """Write under a temporary name and rename, so a crash never leaves a half-saved model in use."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
    try:
        model.save(str(tmp))
        if final.exists():
            shutil.rmtree(final)
        os.rename(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _write_pointer(models: Path, data: dict) -> None:
    tmp = models / f".{POINTER}.tmp"
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, models / POINTER)
