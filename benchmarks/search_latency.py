"""Search latency of the Retriever on a real KB (default: CLINC150, 150 entries, 15k phrasings).

Builds (or loads from the cache) the index with the configured model and encoder, then times
single-query `search` calls over distinct test queries and `search_batch` throughput at each
--batch size; also prints top-1 accuracy and the decision mix when the queries carry an
`expected` entry. With `--queries demo`, questions are generated from the FAQ file as in
rest_load.py (no accuracy then). Figures go in docs/benchmarks.md ("Search latency").

    .venv/bin/python benchmarks/search_latency.py --encoder onnx-int8 --threads 1 --n 1000
    .venv/bin/python benchmarks/search_latency.py --faq knowledge/data/demo_faq.json --queries demo
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from questions import make_questions  # noqa: E402

from knowledge.embedder import load_embedder  # noqa: E402
from knowledge.retriever import Retriever  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402
from knowledge.types import FaqEntry  # noqa: E402


def pct(sorted_ms: list[float], p: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(p / 100 * len(sorted_ms)))]


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faq", type=Path, default=Path("/work/shared/datasets/clinc150/faq.json"))
    ap.add_argument("--queries", default="/work/shared/datasets/clinc150/queries.json",
                    help='queries.json ([{"text", "expected"}]) or "demo" to generate questions from --faq')
    ap.add_argument("--n", type=int, default=1000, help="distinct test queries to time one by one")
    ap.add_argument("--model", default="default")
    ap.add_argument("--encoder", default="auto", choices=["auto", "torch", "onnx", "onnx-int8"])
    ap.add_argument("--index", default="auto", choices=["auto", "flat", "hnsw"])
    ap.add_argument("--threads", type=int, default=0, help="encoder threads (0: all cores)")
    ap.add_argument("--batch", default="8,32", help="queries per search_batch call (comma-separated sizes)")
    ap.add_argument("--cache", type=Path, default=Path("benchmarks/results/cache"))
    args = ap.parse_args()

    settings = KnowledgeSettings(model=args.model, encoder=args.encoder, index=args.index, threads=args.threads)
    raw = json.loads(args.faq.read_text(encoding="utf-8"))
    entries = [FaqEntry(id=f["id"], question=f["question"], answer=f["answer"], variants=tuple(f["variants"])) for f in raw]
    if args.queries == "demo":
        every = [{"text": t, "expected": None} for t in make_questions(args.faq, 5000)]
    else:
        every = json.loads(Path(args.queries).read_text(encoding="utf-8"))  # all test queries, with repeats
    queries = list({q["text"]: q for q in every}.values())[: args.n]  # distinct texts only
    print(f"load average at start {load()} on {os.cpu_count()} cores")

    t0 = time.perf_counter()
    embedder = load_embedder(settings, cache_dir=args.cache)
    t1 = time.perf_counter()
    retriever = Retriever(settings, embedder, cache_dir=args.cache)
    retriever.build(entries, version=f"bench-{args.faq.parent.name}", progress=True)
    t2 = time.perf_counter()
    print(f"encoder {embedder.name}; model load {t1 - t0:.2f} s, build/load index {t2 - t1:.2f} s, "
          f"{len(retriever)} entries, {sum(len(e.phrasings) for e in entries)} phrasings, index {retriever.index_kind}")

    for q in queries[:20]:  # warm-up
        retriever.search(q["text"])
    enc = []
    for q in queries[:300]:  # the encoder's share of a single search
        start = time.perf_counter()
        embedder.encode([q["text"]])
        enc.append((time.perf_counter() - start) * 1000)
    times, cpu = [], []
    for q in queries:
        start, start_cpu = time.perf_counter(), time.process_time()
        retriever.search(q["text"])
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    times.sort()
    print(f"encoder alone: median {statistics.median(enc):.2f} ms per single query")
    # CPU time shows what a search costs when other jobs do not hold the cores (coarse: ~1 ms ticks)
    print(f"single search over {len(times)} queries: mean {statistics.mean(times):.1f} ms, "
          f"p50 {pct(times, 50):.1f} ms, p95 {pct(times, 95):.1f} ms, p99 {pct(times, 99):.1f} ms; "
          f"CPU mean {statistics.mean(cpu):.2f} ms")

    results = []
    for size in [int(b) for b in args.batch.split(",")]:
        start, start_cpu = time.perf_counter(), time.process_time()
        results = []
        for i in range(0, len(every), size):
            results += retriever.search_batch([q["text"] for q in every[i : i + size]])
        elapsed, used = time.perf_counter() - start, time.process_time() - start_cpu
        print(f"search_batch({size}) over {len(every)} queries: {len(every) / elapsed:.0f} queries/s "
              f"({len(every) / used:.0f} per CPU second)")

    in_scope = [(q, r) for q, r in zip(every, results) if q["expected"]]
    if in_scope:
        top1 = sum(1 for q, r in in_scope if r.top and r.top.entry_id == q["expected"]) / len(in_scope)
        mix = Counter(("in-scope" if q["expected"] else "out-of-scope", r.decision) for q, r in zip(every, results))
        print(f"top-1 (in-scope, {len(in_scope)}) {100 * top1:.2f}%; decisions {dict(sorted(mix.items()))}")
    print(f"load average at end {load()}")


if __name__ == "__main__":
    main()
