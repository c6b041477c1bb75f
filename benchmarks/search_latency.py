"""Search latency of the Retriever on a real KB (default: CLINC150, 150 entries, 15k phrasings).

Builds (or loads from the cache) the index with the configured model, then times single-query
`search` calls over distinct test queries and `search_batch` throughput; also prints top-1 accuracy
and the decision mix as a sanity check. Figures go in docs/benchmarks.md ("Search latency").

    .venv/bin/python benchmarks/search_latency.py --faq /work/shared/datasets/clinc150/faq.json \
        --queries /work/shared/datasets/clinc150/queries.json --n 1000
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter
from pathlib import Path

from knowledge.embedder import load_embedder
from knowledge.retriever import Retriever
from knowledge.settings import KnowledgeSettings
from knowledge.types import FaqEntry


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faq", type=Path, default=Path("/work/shared/datasets/clinc150/faq.json"))
    ap.add_argument("--queries", type=Path, default=Path("/work/shared/datasets/clinc150/queries.json"))
    ap.add_argument("--n", type=int, default=1000, help="distinct test queries to time")
    ap.add_argument("--model", default="default")
    ap.add_argument("--index", default="auto", choices=["auto", "flat", "hnsw"])
    ap.add_argument("--threads", type=int, default=0, help="encoder threads (0: all cores)")
    ap.add_argument("--batch", type=int, default=32, help="queries per search_batch call")
    ap.add_argument("--cache", type=Path, default=Path("benchmarks/results/cache"))
    args = ap.parse_args()

    settings = KnowledgeSettings(model=args.model, index=args.index, threads=args.threads)
    raw = json.loads(args.faq.read_text(encoding="utf-8"))
    entries = [FaqEntry(id=f["id"], question=f["question"], answer=f["answer"], variants=tuple(f["variants"])) for f in raw]
    queries = json.loads(args.queries.read_text(encoding="utf-8"))
    queries = list({q["text"]: q for q in queries}.values())[: args.n]  # distinct texts only

    t0 = time.perf_counter()
    embedder = load_embedder(settings)
    t1 = time.perf_counter()
    retriever = Retriever(settings, embedder, cache_dir=args.cache)
    retriever.build(entries, version=f"bench-{args.faq.parent.name}", progress=True)
    t2 = time.perf_counter()
    print(f"model load {t1 - t0:.1f} s, build/load index {t2 - t1:.1f} s, "
          f"{len(retriever)} entries, {sum(len(e.phrasings) for e in entries)} phrasings, index {retriever.index_kind}")

    for q in queries[:20]:  # warm-up
        retriever.search(q["text"])
    times, results = [], []
    for q in queries:
        start = time.perf_counter()
        results.append(retriever.search(q["text"]))
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    pct = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]  # noqa: E731
    enc = []
    for q in queries[:200]:  # the encoder's share of a single search
        start = time.perf_counter()
        embedder.encode([q["text"]])
        enc.append((time.perf_counter() - start) * 1000)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; "
          f"encoder alone: median {statistics.median(enc):.1f} ms per single query")
    print(f"single search over {len(times)} queries: mean {statistics.mean(times):.1f} ms, "
          f"p50 {pct(50):.1f} ms, p95 {pct(95):.1f} ms, p99 {pct(99):.1f} ms")

    every = json.loads(args.queries.read_text(encoding="utf-8"))  # all test queries, with repeats
    start = time.perf_counter()
    results = []
    for i in range(0, len(every), args.batch):
        results += retriever.search_batch([q["text"] for q in every[i : i + args.batch]])
    elapsed = time.perf_counter() - start
    print(f"search_batch({args.batch}) over {len(every)} queries: {len(every) / elapsed:.0f} queries/s")

    in_scope = [(q, r) for q, r in zip(every, results) if q["expected"]]
    top1 = sum(1 for q, r in in_scope if r.top and r.top.entry_id == q["expected"]) / max(1, len(in_scope))
    mix = Counter(("in-scope" if q["expected"] else "out-of-scope", r.decision) for q, r in zip(every, results))
    print(f"top-1 (in-scope) {100 * top1:.1f}%; decisions {dict(sorted(mix.items()))}")


if __name__ == "__main__":
    main()
