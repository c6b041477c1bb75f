"""Which dev objective and clarify band should `kefu eval --dev` choose thresholds with?

Scores dev and test queries once through the product pipeline (as knowledge/evaluation.py does,
thresholds at zero), caches the ranked lists, then for each clarify band width and dev objective
chooses the answer threshold on dev only and prints dev and test decision metrics.

    .venv/bin/python benchmarks/experiments/decision_lab.py --kb D/faq.json --dev D/dev_queries.json \
        --queries D/queries.json [--model PATH]
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import pickle
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from knowledge.embedder import load_embedder  # noqa: E402
from knowledge.eval_metrics import GRID, decide_all, decision_metrics  # noqa: E402
from knowledge.evaluation import RANK_K, _import, _raw, _score  # noqa: E402
from knowledge.formats import read_faq  # noqa: E402
from knowledge.query_set import load_queries  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402


def scored_lists(args) -> tuple[list, list]:
    key = hashlib.sha1(f"{args.kb}|{args.dev}|{args.queries}|{args.model}".encode()).hexdigest()[:12]
    cache = Path("/tmp/kefu_decision") / f"{key}.pkl"
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    settings = KnowledgeSettings(model=args.model, model_cache_dir="data/index/models")
    with tempfile.TemporaryDirectory() as tmp:
        published, version = asyncio.run(_import(read_faq(Path(args.kb)), Path(tmp) / "e.db", Path(args.kb)))
        raw = Retriever(_raw(settings), load_embedder(settings), cache_dir=Path(tmp) / "index")
        raw.build(published, version)
        out = (_score(raw, load_queries(args.dev), False, "dev"), _score(raw, load_queries(args.queries), False, "test"))
    cache.parent.mkdir(exist_ok=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def objective(name: str, m: dict) -> tuple:
    acc, rec = m["in_scope_accuracy"] or 0.0, m["oos_recall"]
    if name == "target":  # the shipped rule: best accuracy with recall >= 0.9
        return (rec >= 0.9, acc if rec >= 0.9 else rec, acc)
    return (acc + rec, acc)  # balanced


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--kb", required=True)
    ap.add_argument("--dev", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--model", default="default")
    args = ap.parse_args()
    dev, test = scored_lists(args)
    base = KnowledgeSettings()
    fmt = lambda m: f"{100 * m['in_scope_accuracy']:.2f} / {100 * (m['oos_recall'] or 0):.1f} (clarify {100 * m['clarify_rate']:.1f})"
    for band in (0.0, 0.05, 0.1, 0.2):
        for margin in (0.0, base.clarify_margin):
            for name in ("target", "balanced"):
                best = None
                for t in GRID:
                    s = base.model_copy(update={"answer_threshold": t, "clarify_threshold": max(0.0, round(t - band, 4)),
                                                "clarify_margin": margin})
                    m = decision_metrics(dev, decide_all(dev, s, RANK_K))
                    k = objective(name, m)
                    if best is None or k > best[0]:
                        best = (k, t, s, m)
                _, t, s, m = best
                mt = decision_metrics(test, decide_all(test, s, RANK_K))
                print(f"band {band:.2f} margin {margin:.2f} {name:8} t={t:.2f}  dev {fmt(m)}  test {fmt(mt)}", flush=True)


if __name__ == "__main__":
    main()
