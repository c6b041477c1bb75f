"""Which out-of-scope score separates best for a tuned model? Dev-chosen threshold (the product's
rule: OOS recall >= 90 % at its 95 % Wilson lower bound), then test, for several scores of the
head's top entry: nearest-phrasing cosine, mean of the k nearest, cosine to the entry centroid.

    KEFU_LAB_MODEL=<tuned folder> .venv/bin/python benchmarks/experiments/oos_scores.py
"""
from __future__ import annotations

import os

import numpy as np

from clinc_conf import DATA, _fmt, _lcb
from scope_lab import embed, load_kb, load_queries

from knowledge.head_features import entry_max_cos, softmax
from knowledge.intent_head import HeadConfig, IntentHead


def main() -> None:
    kb = load_kb(f"{DATA}/faq.json")
    texts, labels, emb = kb.texts, kb.labels, _embed(kb.texts)
    head = IntentHead.fit(texts, labels, emb, HeadConfig(knn_weight=16.0, alpha=float(os.environ.get("KEFU_LAB_ALPHA", "1"))))
    col = np.array([head.column[e] for e in labels])
    n = len(head.entry_ids)
    cent = np.stack([emb[col == c].mean(0) for c in range(n)])
    cent /= np.linalg.norm(cent, axis=1, keepdims=True)
    mu, sd = _entry_spread(emb, col, n)

    def parts(path):
        qt, qe = load_queries(path)
        q = _embed(qt)
        knn = entry_max_cos(q, emb, col, n)
        prob = softmax(head.scores(qt, q) + head.alpha * knn, head.temperature)
        top = prob.argmax(1)
        r = np.arange(len(qt))
        sims = q @ emb.T
        scores = {"max cos": knn[r, top], "centroid cos": (q @ cent.T)[r, top]}
        for k in (3, 5, 10):
            topk = np.array([np.sort(sims[i, col == top[i]])[-k:].mean() for i in r])
            scores[f"mean top-{k} cos"] = topk
        scores["p"] = prob[r, top]
        scores["cos - entry mean"] = knn[r, top] - mu[top]
        for lam in (0.25, 0.5, 0.75):
            scores[f"cos - {lam} mean"] = knn[r, top] - lam * mu[top]
            scores[f"p + 16(cos-{lam}mu)"] = prob[r, top] + 16 * (knn[r, top] - lam * mu[top])
        scores["cos z"] = (knn[r, top] - mu[top]) / sd[top]
        second = np.sort(knn, 1)[:, -2]
        scores["cos margin"] = knn[r, top] - second
        scores["cos + margin"] = knn[r, top] + 0.5 * (knn[r, top] - second)
        scores["product conf"] = prob[r, top] * np.minimum(1, head.in_scope_pvalue(prob[r, top] + 16 * knn[r, top]) / 0.1)
        exp = np.array([head.column[e] if e is not None else -1 for e in qe])
        return scores, top, exp

    (sd, dtop, dexp), (st, ttop, texp) = parts(f"{DATA}/dev_queries.json"), parts(f"{DATA}/queries.json")
    for name in sd:
        grid = np.unique(np.quantile(sd[name], np.linspace(0, 1, 801)))
        best = max(grid, key=lambda t: _lcb(sd[name] >= t, dtop, dexp))
        tout = np.sort(st[name][texp < 0])
        cut = tout[int(0.9 * len(tout))]
        print(f"{name:16} dev {_fmt(sd[name] >= best, dtop, dexp)}  test {_fmt(st[name] >= best, ttop, texp)}"
              f"  | oracle at test 90 %: {_fmt(st[name] >= cut, ttop, texp)}", flush=True)


def _entry_spread(emb, col, n):
    """Per entry: mean and sd of its phrasings' nearest other phrasing of the same entry."""
    mu, sd = np.zeros(n, np.float32), np.ones(n, np.float32)
    for c in range(n):
        x = emb[col == c]
        s = x @ x.T
        np.fill_diagonal(s, -1)
        nn = s.max(1)
        mu[c], sd[c] = nn.mean(), max(nn.std(), 1e-3)
    return mu, sd


def _embed(texts: list[str]) -> np.ndarray:
    """$KEFU_LAB_CONCAT=1: the tuned model's vector beside the base model's, scaled to unit length
    (cosine = the mean of the two models' cosines)."""
    x = embed(texts)
    if os.environ.get("KEFU_LAB_CONCAT") == "1":
        x = np.hstack([x, embed(texts, "default")]) / np.sqrt(2)
    return x.astype(np.float32)


if __name__ == "__main__":
    main()
