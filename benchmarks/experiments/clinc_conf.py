"""CLINC150 with a dev-chosen threshold: which confidence shape should the dev sweep move along?

The product's big-KB confidence is `p x min(1, pval / IN_SCOPE_P)` (head_fusion.py). Here the
threshold of each candidate shape is chosen on dev_queries.json (highest in-scope accuracy with
OOS recall >= 0.9, as knowledge/eval_metrics.choose_threshold does), then test is reported.
Product head and embedder (ONNX int8, cached by scope_lab.embed); exact per-entry cosines.

    .venv/bin/python benchmarks/experiments/clinc_conf.py
"""
from __future__ import annotations

import json
import time

import numpy as np

from scope_lab import embed, load_queries

from knowledge.head_features import entry_max_cos, softmax
from knowledge.intent_head import IntentHead, latin_weight

DATA = "/work/shared/datasets/clinc150"


def main() -> None:
    import os

    w = float(os.environ.get("KEFU_LAB_KNN_WEIGHT", "1"))
    IntentHead.knn_weight = property(lambda self: w if self.uses_embeddings else 0.0)
    faq = json.load(open(f"{DATA}/faq.json", encoding="utf-8"))
    texts = [t for e in faq for t in dict.fromkeys([e["question"], *e["variants"]])]
    labels = [e["id"] for e in faq for _ in dict.fromkeys([e["question"], *e["variants"]])]
    emb = embed(texts)
    t0 = time.perf_counter()
    head = IntentHead.fit(texts, labels, emb)
    print(f"fit {time.perf_counter() - t0:.0f} s, T={head.temperature:.3f}, table {len(head.oof_comb)}", flush=True)
    col = np.array([head.column[e] for e in labels])

    def parts(path):
        qt, qe = load_queries(path)
        q = embed(qt)
        knn = entry_max_cos(q, emb, col, len(head.entry_ids)) * latin_weight(qt, np.arange(len(qt)))
        prob = softmax(head.scores(qt, q) + head.alpha * knn, head.temperature)
        top = prob.argmax(1)
        r = np.arange(len(qt))
        comb = prob[r, top] + head.knn_weight * knn[r, top]
        exp = np.array([head.column[e] if e is not None else -1 for e in qe])
        return prob[r, top], comb, head.in_scope_pvalue(comb), top, exp

    dev, test = parts(f"{DATA}/dev_queries.json"), parts(f"{DATA}/queries.json")
    shapes = {f"p*min(1,pval/{P})": (lambda p, c, v, P=P: p * np.minimum(1, v / P)) for P in (0.1, 0.2, 0.3, 0.5, 1.0)}
    shapes["pval"] = lambda p, c, v: v
    for k in (1, 2, 4, 8, 16):  # not `w`: the knn_weight property above reads that name
        shapes[f"p + {k} cos"] = lambda p, c, v, k=k: p + k * (c - p) / w
    shapes["cos"] = lambda p, c, v: c - p
    shapes[f"comb = p + {w} cos"] = lambda p, c, v: c
    shapes["p"] = lambda p, c, v: p
    for name, f in shapes.items():
        sd, st = f(*dev[:3]), f(*test[:3])
        grid = np.unique(np.quantile(sd, np.linspace(0, 1, 401)))
        tout = np.sort(st[test[4] < 0])
        cut = tout[int(0.9 * len(tout))]  # oracle: the threshold where test OOS recall is 90 %
        print(f"{name:22} ORACLE test {_fmt(st >= cut, *test[3:])}; dev at it {_fmt(sd >= cut, *dev[3:])}")
        for key in (_key, _balanced, _lcb):
            best = max(grid, key=lambda t: key(sd >= t, *dev[3:]))
            print(f"{name:22} {key.__name__:9} dev {_fmt(sd >= best, *dev[3:])}  test {_fmt(st >= best, *test[3:])}",
                  flush=True)


def _key(answer, top, exp):
    ins = exp >= 0
    acc, rec = (answer & (top == exp))[ins].mean(), (~answer[~ins]).mean()
    return (rec >= 0.9, acc if rec >= 0.9 else rec, acc)


def _lcb(answer, top, exp):
    """Best accuracy whose OOS recall is >= 0.9 at the one-sided 95 % Wilson lower bound."""
    ins = exp >= 0
    acc, rec = (answer & (top == exp))[ins].mean(), (~answer[~ins]).mean()
    n, z = (~ins).sum(), 1.645
    low = (rec + z * z / (2 * n) - z * np.sqrt(rec * (1 - rec) / n + z * z / (4 * n * n))) / (1 + z * z / n)
    return (low >= 0.9, acc if low >= 0.9 else low, acc)


def _balanced(answer, top, exp):
    ins = exp >= 0
    return (answer & (top == exp))[ins].mean() + (~answer[~ins]).mean()


def _fmt(answer, top, exp):
    ins = exp >= 0
    return f"{100 * (answer & (top == exp))[ins].mean():.2f} / {100 * (~answer[~ins]).mean():.1f}"


if __name__ == "__main__":
    main()
