"""`kefu kb tune`: fine-tune the embedding model on the knowledge base's own phrasings.

Supervised contrastive learning over the phrasings of each entry (batches of a few phrasings each
of 16 entries, entry_batches.py; loss in tune_loss.py) on CPU. The model is saved as a normal
sentence-transformers folder under `<data_dir>/models/tuned-<kb hash>`, and `<data_dir>/models/current.json` points at
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

import numpy as np
from tqdm import tqdm

from knowledge.entry_batches import EntryBatches
from knowledge.settings import KnowledgeSettings
from knowledge.tune_loss import supcon_prototype_loss
from knowledge.types import FaqEntry

__all__ = ["TuneResult", "TuningError", "tune_model", "tuned_model_path", "with_tuned_model", "is_tuned_model",
           "LEARNING_RATE", "POINTER", "MARKER", "TUNED_KNN_WEIGHT", "TUNED_FEW_SHOT_ALPHA"]

POINTER = "current.json"  # under <data_dir>/models/
MARKER = "kefu_tuned.json"  # inside a tuned model's folder
# HeadConfig.knn_weight for a model tuned on its KB: its nearest-phrasing cosine is the best
# out-of-scope evidence; CLINC150 dev in-scope at 95 % OOS: 4 -> 93.8, 8 -> 94.5, 16..1000 -> 94.4-94.6
TUNED_KNN_WEIGHT = 16.0
TUNED_FEW_SHOT_ALPHA = 4.0  # HeadConfig.alpha_few_shot for a tuned model (research section 10)
LEARNING_RATE = 5e-5
# the default length: 2 epochs (CLINC150: ~470 steps), or ~120 steps for a small KB (a 10-shot
# BANKING77 gets 8 epochs of 15 steps); research section 9
AUTO_EPOCHS = 2
AUTO_STEPS = 120


class TuningError(Exception):
    """The model cannot be tuned (fake model, too few variants, unloadable weights)."""


@dataclass(frozen=True)
class TuneResult:
    path: Path  # the tuned model's directory
    seconds: float  # wall time of the training steps and the save, without the model load
    phrasings: int  # phrasings trained on, over all epochs
    steps: int = 0
    kb_hash: str = ""
    epochs: int = 0


def tune_model(settings: KnowledgeSettings, entries: Sequence[FaqEntry], data_dir: str | Path,
               epochs: int | None = None,
               learning_rate: float = LEARNING_RATE, entries_per_batch: int = 16, per_entry: int = 4,
               progress: bool = True, seed: int = 0) -> TuneResult:
    """Fine-tune `settings.model` on the published `entries`, save it, and point current.json at it.

    `epochs` None: at least AUTO_EPOCHS, and more for a small KB until AUTO_STEPS steps."""
    if epochs is not None and epochs < 1:
        raise TuningError(f"epochs must be >= 1, got {epochs}")
    published = [e for e in entries if e.status == "published"]
    try:
        batches = EntryBatches(published, entries_per_batch, per_entry, seed)
    except ValueError as exc:
        raise TuningError(str(exc)) from None
    base = _base_model(settings)
    digest = kb_hash(settings.model, published)
    models = Path(data_dir) / "models"
    final = models / f"tuned-{digest}"

    torch, model = _load(base, settings.threads, seed)
    started = time.perf_counter()
    plan = [batches.epoch() for _ in range(epochs or AUTO_EPOCHS)]
    while epochs is None and sum(map(len, plan)) < AUTO_STEPS:
        plan.append(batches.epoch())
    epochs = len(plan)
    steps = sum(len(epoch) for epoch in plan)
    prototypes = _start_prototypes(torch, model, batches.groups)
    params = list(model.parameters()) + [prototypes]
    optimizer = torch.optim.AdamW(params, lr=learning_rate, weight_decay=0.01)
    warmup = max(1, steps // 10)
    # linear warm-up over the first 10% of steps, then linear decay to zero (sentence-transformers' default)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    # `preprocess` replaced `tokenize` in sentence-transformers 6
    prepare = getattr(model, "preprocess", None) or model.tokenize
    model.train()
    with tqdm(total=steps, desc="tuning", unit="batch", disable=not progress) as bar:
        for epoch, epoch_batches in enumerate(plan, start=1):
            for batch in epoch_batches:
                embeddings = model(prepare(list(batch.texts)))["sentence_embedding"]
                loss = supcon_prototype_loss(torch, embeddings, torch.tensor(batch.labels), prototypes)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                bar.set_postfix(epoch=epoch, loss=f"{loss.item():.3f}")
                bar.update(1)
    model.eval()
    _save(model, final, {"base_model": settings.model, "kb_hash": digest, "epochs": epochs})
    seconds = time.perf_counter() - started
    seen = sum(len(b.texts) for epoch_batches in plan for b in epoch_batches)
    _write_pointer(models, {
        "path": final.name, "base_model": settings.model, "kb_hash": digest, "epochs": epochs,
        "phrasings": seen, "seconds": round(seconds, 1), "created_at": datetime.now(timezone.utc).isoformat(),
    })
    return TuneResult(final, seconds, seen, steps, digest, epochs)


def _start_prototypes(torch, model, groups: Sequence[Sequence[str]]):
    """One trainable vector per entry, started at the mean of its phrasings' embeddings."""
    texts = [t for g in groups for t in g]
    vectors = model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                           show_progress_bar=False)
    means, start = [], 0
    for g in groups:
        means.append(vectors[start:start + len(g)].mean(0))
        start += len(g)
    return torch.nn.Parameter(torch.tensor(np.stack(means), dtype=torch.float32))


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

        if threads:
            torch.set_num_threads(threads)
        torch.manual_seed(seed)
        model = SentenceTransformer(base, device="cpu")
    except Exception as exc:  # any loader failure becomes one clear error naming the model
        raise TuningError(f"cannot load embedding model {base!r} to tune: {exc}") from exc
    return torch, model


def is_tuned_model(model: str) -> bool:
    """Whether `model` names a folder `tune_model` wrote (it learnt the KB's phrasings)."""
    return model not in ("default", "fake") and (Path(model) / MARKER).is_file()


def _save(model, final: Path, marker: dict) -> None:
    """Write under a temporary name and rename, so a crash never leaves a half-saved model in use."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=final.parent))
    try:
        model.save(str(tmp))
        (tmp / MARKER).write_text(json.dumps(marker, ensure_ascii=False) + "\n", encoding="utf-8")
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
