"""The intent head alone on the shared datasets: fit/calibration time, top-1, ECE, OOS rules.

Same split rules as `kefu eval`: the head is fitted and calibrated on the KB phrasings only;
dev_queries.json (when present) is used only to choose an answer threshold; queries.json is only
scored. Embeddings come from the research cache (benchmarks/experiments/common.py: PyTorch
MiniLM, cached under /tmp/kefu_research/emb), so a run encodes each text set once.

    .venv/bin/python benchmarks/head_eval.py --data /work/shared/datasets [--only clinc150,banking77]
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks" / "experiments")]
from common import embed, load  # noqa: E402

from knowledge.head_features import entry_max_cos  # noqa: E402
from knowledge.head_fusion import head_confidences  # noqa: E402
from knowledge.intent_head import IntentHead  # noqa: E402

EXTRA = [ROOT / "benchmarks" / "data" / "shop_zh", ROOT / "benchmarks" / "data" / "shop_en"]


def ece(conf: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    b = np.minimum((conf * bins).astype(int), bins - 1)
    return float(sum(abs(conf[b == i].mean() - correct[b == i].mean()) * (b == i).mean()
                     for i in range(bins) if (b == i).any()))


def run(folder: Path) -> dict:
    texts, y, ids, test, dev = load(str(folder.parent), folder.name)
    labels = [ids[i] for i in y]
    emb = embed(texts)
    t0 = time.perf_counter()
    head = IntentHead.fit(texts, labels, emb)
    fit_s = time.perf_counter() - t0
    out = {"dataset": folder.name, "entries": len(ids), "phrasings": len(texts), "fit_calibrate_s": round(fit_s, 1),
           "embeddings": head.uses_embeddings, "T": round(head.temperature, 3), "oof_top1": head.oof_top1,
           "load": round(os.getloadavg()[0], 1)}

    def evaluate(split):
        q, expected = split
        qe = embed(q)
        knn = entry_max_cos(qe, emb, y, len(ids))
        conf, prob = head_confidences(head, q, qe, knn)
        exp = np.array([ids.index(e) if e is not None else -1 for e in expected])
        return conf, prob, exp

    conf, prob, exp = evaluate(test)
    ins = exp >= 0
    pred = prob.argmax(1)
    out["top1"] = round(100 * float((pred[ins] == exp[ins]).mean()), 2)
    out["ece_in_scope"] = round(ece(prob.max(1)[ins], pred[ins] == exp[ins]), 4)
    top_conf = conf[np.arange(len(pred)), pred]
    for tau in (0.5,):  # the default answer threshold, untuned
        out[f"default_{tau}"] = rule(pred, top_conf, exp, tau)
    if dev is not None:
        dconf, dprob, dexp = evaluate(dev)
        dpred = dprob.argmax(1)
        dtop = dconf[np.arange(len(dpred)), dpred]
        has_oos = (dexp < 0).any()
        grid = np.round(np.arange(0.0, 1.0001, 0.01), 2)

        def key(t):
            acc, rec = rule(dpred, dtop, dexp, t)
            return (rec >= 90, acc if rec >= 90 else rec, acc) if has_oos else (True, acc, 0)
        tau = max(grid, key=key)
        out["dev_tau"] = float(tau)
        out["dev"] = rule(dpred, dtop, dexp, tau)
        out["test_at_dev_tau"] = rule(pred, top_conf, exp, tau)
    return out


def rule(pred: np.ndarray, conf: np.ndarray, exp: np.ndarray, tau: float) -> list:
    """[in-scope accuracy after threshold, OOS recall] in percent (OOS recall None without OOS)."""
    ins = exp >= 0
    answered = conf >= tau
    acc = 100 * float(((pred == exp) & answered)[ins].mean())
    rec = 100 * float((~answered[~ins]).mean()) if (~ins).any() else None
    return [round(acc, 2), None if rec is None else round(rec, 2)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("/work/shared/datasets"))
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    folders = sorted(p for p in args.data.iterdir() if (p / "faq.json").is_file()) + EXTRA
    wanted = {n for n in args.only.split(",") if n}
    for folder in folders:
        if not wanted or folder.name in wanted:
            print(json.dumps(run(folder)), flush=True)


if __name__ == "__main__":
    main()
