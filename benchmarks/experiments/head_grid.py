"""Top-1 of the product's intent head under several HeadConfig settings, on a dev query file.

For choosing head settings for tuned (or untuned) models without test queries, e.g. BANKING77
10-shot with the dev split of b77_fewshot_dev.py:

    KEFU_LAB_MODEL=<tuned folder> .venv/bin/python benchmarks/experiments/head_grid.py \
        /work/shared/datasets/banking77_10shot/faq.json /tmp/b77_10shot_dev.json
Embeddings: the product embedder (scope_lab.embed, cached); cosines exact over all phrasings.
"""
from __future__ import annotations

import itertools
import os
import sys

import numpy as np

from scope_lab import embed, load_kb, load_queries

from knowledge.head_features import entry_max_cos, softmax
from knowledge.intent_head import HeadConfig, IntentHead, latin_weight


def main(faq_path: str, dev_path: str) -> None:
    kb = load_kb(faq_path)
    texts, labels, emb = kb.texts, kb.labels, kb.emb
    qt, qe = load_queries(dev_path)
    qt, qe = [t for t, e in zip(qt, qe) if e is not None], [e for e in qe if e is not None]  # in scope only
    q = embed(qt)
    if os.environ.get("KEFU_LAB_CONCAT") == "1":  # the tuned model's vector beside the base model's
        emb = np.hstack([emb, embed(texts, "default")]) / np.sqrt(2)
        q = np.hstack([q, embed(qt, "default")]) / np.sqrt(2)
    grid = os.environ.get("KEFU_LAB_GRID", "2,4,8;0.3,1;0,1,2,4").split(";")  # w_emb; C; alpha
    for w_emb, c, alpha in itertools.product(*[[float(v) for v in g.split(",")] for g in grid]):
        head = IntentHead.fit(texts, labels, emb, HeadConfig(w_emb=w_emb, C_dense=c, alpha=alpha), calibrate=False)
        col = np.array([head.column[e] for e in labels])
        knn = entry_max_cos(q, emb, col, len(head.entry_ids)) * latin_weight(qt, np.arange(len(qt)))
        prob = softmax(head.scores(qt, q) + head.alpha * knn, 1.0)
        exp = np.array([head.column[e] for e in qe])
        print(f"w_emb {w_emb:3} C {c:3} alpha {alpha:3}: top-1 {100 * (prob.argmax(1) == exp).mean():.2f}", flush=True)
    knn = entry_max_cos(q, emb, np.array([head.column[e] for e in labels]), len(head.entry_ids))
    print(f"nearest phrasing only: {100 * (knn.argmax(1) == exp).mean():.2f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
