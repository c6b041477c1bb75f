"""Per-query CPU cost of search on a small KB with and without the intent head (the demo KB).

Same questions as search_latency.py --queries demo (benchmarks/questions.py); the query vectors
are encoded once up front and replayed through a stub embedder, so the figures are the search
path alone (encoder excluded: its cost does not depend on the head). Head and no-head runs are
interleaved `--rounds` times; prints CPU ms per query of search_batch(--batch) and of single
searches, and the build time (fit of the head incl. its out-of-scope model).

    .venv/bin/python benchmarks/experiments/small_kb_cost.py [--faq knowledge/data/demo_faq.json]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]
from questions import make_questions  # noqa: E402

from knowledge.embedder import load_embedder  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402
from knowledge.types import FaqEntry  # noqa: E402


class Replay:
    """Embedder stub returning precomputed vectors (the search path without the encoder)."""

    def __init__(self, name: str, dim: int, vectors: dict[str, np.ndarray]) -> None:
        self.name, self.dim, self._vectors = name, dim, vectors

    def encode(self, texts, progress=False):
        return np.stack([self._vectors[t] for t in texts])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faq", type=Path, default=ROOT / "knowledge" / "data" / "demo_faq.json")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    raw = json.loads(args.faq.read_text(encoding="utf-8"))
    entries = [FaqEntry(id=f["id"], question=f["question"], answer=f["answer"], variants=tuple(f["variants"]))
               for f in raw]
    questions = make_questions(args.faq, args.n)
    settings = KnowledgeSettings(threads=1, model_cache_dir=str(ROOT / "data" / "index" / "models"))
    embedder = load_embedder(settings)
    texts = list(dict.fromkeys([t for e in entries for t in e.phrasings] + questions))
    vectors = dict(zip(texts, embedder.encode(texts)))
    stub = Replay(embedder.name, embedder.dim, vectors)
    results: dict[str, dict[str, list[float]]] = {}
    for _ in range(args.rounds):
        for head in (True, False):
            r = Retriever(settings.model_copy(update={"intent_head": head}), stub)
            started = time.perf_counter()
            r.build(entries, "v1")
            build = time.perf_counter() - started
            r.search_batch(questions[:64])  # warm-up
            cpu = time.process_time()
            for i in range(0, len(questions), args.batch):
                r.search_batch(questions[i:i + args.batch])
            batch_ms = (time.process_time() - cpu) * 1000 / len(questions)
            cpu = time.process_time()
            for q in questions[:500]:
                r.search(q)
            single_ms = (time.process_time() - cpu) * 1000 / 500
            row = results.setdefault("head" if head else "fusion only", {})
            for key, value in (("build s", build), (f"batch({args.batch}) CPU ms/q", batch_ms),
                               ("single CPU ms/q", single_ms)):
                row.setdefault(key, []).append(value)
    for name, row in results.items():
        print(name, {k: round(statistics.median(v), 3) for k, v in row.items()})


if __name__ == "__main__":
    main()
