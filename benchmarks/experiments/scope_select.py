"""Choosing the small-KB out-of-scope rule (knowledge/scope_model.py) on selection sets only.

Selection sets (never the shop test queries):
- dev_queries.json of benchmarks/data/shop_zh, shop_en (new questions written for this, before any
  test result of the rule was seen) and of the demo KB (benchmarks/data/demo);
- small KBs cut from CLINC150 (30 entries x 5 phrasings) and SMP2017 (15 x 6), 3 random draws each,
  scored with the datasets' *dev* queries: those of the kept entries are in scope, all others
  (other intents + CLINC's official out-of-scope) must get no_answer.

The head is the product's (IntentHead.fit with calibration, head_confidences) on the product
embedder (ONNX int8, cached under /tmp/kefu_scope/emb); the decision is the product's Decider at
the default thresholds. Prints, per rule and set: in-scope answered right / in-scope answered
wrong / OOS recall / in-scope clarified (%), and the means used to choose.

    .venv/bin/python benchmarks/experiments/scope_select.py [--quantiles 0.6,0.7,0.75,0.8,0.85,0.9]
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import replace

import numpy as np

from scope_lab import ROOT, embed, selection_sets

sys.path.insert(0, str(ROOT))
from knowledge.decision import Decider  # noqa: E402
from knowledge.head_features import entry_max_cos  # noqa: E402
from knowledge.head_fusion import head_confidences  # noqa: E402
from knowledge.intent_head import HeadConfig, IntentHead  # noqa: E402
from knowledge.scope_model import ScopeModel  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402
from knowledge.types import Candidate  # noqa: E402


def outcomes(head: IntentHead, kb, texts, expected) -> np.ndarray:
    """[right %, wrong-in-scope %, OOS recall %, clarified-in-scope %] at the default thresholds."""
    q = embed(list(texts))
    col = np.array([head.column[e] for e in kb.labels])
    conf, _ = head_confidences(head, list(texts), q, entry_max_cos(q, kb.emb, col, len(head.entry_ids)))
    decider = Decider(KnowledgeSettings())
    ins = np.array([e is not None for e in expected])
    right = wrong = rejected = clarified = 0
    for row, exp in zip(conf, expected):
        order = np.argsort(-row)[:5]
        result = decider.decide([Candidate(head.entry_ids[c], float(row[c])) for c in order], 5)
        top = result.top.entry_id if result.top else None
        if exp is None:
            rejected += result.decision == "no_answer"
        elif result.decision == "answer":
            right += top == exp
            wrong += top != exp
        else:
            clarified += result.decision == "clarify"
    return 100 * np.array([right / ins.sum(), wrong / ins.sum(), rejected / max(1, (~ins).sum()),
                           clarified / ins.sum()])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quantiles", default="0.6,0.7,0.75,0.8,0.85,0.9")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--config", default="", help="HeadConfig overrides, e.g. scope_groups=5,seed=1")
    args = ap.parse_args()
    quantiles = [float(x) for x in args.quantiles.split(",")]
    sets = selection_sets(args.seeds)
    table: dict[str, list[np.ndarray]] = {}
    for name, (kb, texts, expected) in sets.items():
        head = IntentHead.fit(kb.texts, kb.labels, kb.emb, HeadConfig(**overrides(args.config)))
        top1 = 100 * np.mean([a == b for a, b in zip(_top(head, kb, texts), expected) if b is not None])
        print(f"{name}: {len(kb.texts)} phrasings, T={head.temperature:.3f}, scope table "
              f"{0 if head.scope is None else len(head.scope.scores)}, dev top-1 {top1:.1f}", flush=True)
        scope = head.scope
        head.scope = None
        table.setdefault("in-scope table (before)", []).append(outcomes(head, kb, texts, expected))
        for qt in quantiles:
            head.scope = replace(scope, quantile=qt) if scope is not None else ScopeModel(np.ones(20), qt)
            table.setdefault(f"scope q={qt}", []).append(outcomes(head, kb, texts, expected))
    names = list(sets)
    print("\nrule | " + " | ".join(names) + " | mean (right+OOS)/2 own sets, sims | mean wrong-in own, sims")
    for rule, rows in table.items():
        r = np.array(rows)
        own, sims = r[:3], r[3:]
        cells = " | ".join("/".join(f"{v:.0f}" for v in x) for x in r)
        print(f"{rule} | {cells} | {(own[:, 0] + own[:, 2]).mean() / 2:.1f}, {(sims[:, 0] + sims[:, 2]).mean() / 2:.1f}"
              f" | {own[:, 1].mean():.1f}, {sims[:, 1].mean():.1f}")


def overrides(spec: str) -> dict:
    out = {}
    for item in filter(None, spec.split(",")):
        key, value = item.split("=")
        out[key] = type(getattr(HeadConfig(), key))(float(value))
    return out


def _top(head: IntentHead, kb, texts) -> list[str]:
    q = embed(list(texts))
    col = np.array([head.column[e] for e in kb.labels])
    _, prob = head_confidences(head, list(texts), q, entry_max_cos(q, kb.emb, col, len(head.entry_ids)))
    return [head.entry_ids[c] for c in prob.argmax(1)]


if __name__ == "__main__":
    main()
