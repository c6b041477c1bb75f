"""Run `kefu eval` on every evaluation dataset and print one markdown table.

    .venv/bin/python benchmarks/eval_all.py /work/shared/datasets [--extra benchmarks/data/shop_zh ...]
        [--only clinc150,banking77] [--config config.yml] [--threads 1] [--tune-epochs N] [--out results.json]

A dataset is a folder with faq.json and queries.json (plus dev_queries.json to choose the threshold
on; without it the configured thresholds are used). The shop sets measure the no-dev case: their
dev_queries.json is the selection split the small-KB defaults were chosen on (knowledge/scope_model.py),
so they always run at the configured thresholds. Each one runs as its own `kefu eval --json`
process, one after the other (the cores are shared), so a dataset's wall time is end to end:
process start, model load, import, embedding, scoring, latency sample. Figures in docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXTRA = (ROOT / "benchmarks" / "data" / "shop_zh", ROOT / "benchmarks" / "data" / "shop_en")
# Top-1 of the simplest baseline, nearest variant by MiniLM cosine (docs: /work/shared/facts.md).
FLOORS = {"banking77": 92.1, "banking77_10shot": 81.0, "clinc150": 88.0, "smp2017_ecdt": 45.1}
DEFAULT_THRESHOLDS = {"shop_zh", "shop_en"}  # never given --dev (see the module docstring)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", type=Path, help="folder of dataset folders (e.g. /work/shared/datasets)")
    parser.add_argument("--extra", type=Path, nargs="*", default=list(EXTRA),
                        help="more dataset folders (default: benchmarks/data/shop_zh and shop_en)")
    parser.add_argument("--only", default="", help="comma-separated dataset names to run")
    parser.add_argument("--config", default=str(ROOT / "config.yml"), help="kefu settings file")
    parser.add_argument("--threads", type=int, help="knowledge.threads for the runs (1 suits busy shared cores)")
    parser.add_argument("--tune-epochs", type=int, help="passed to `kefu eval --tune-epochs`")
    parser.add_argument("--out", type=Path, help="also write every report as JSON here")
    args = parser.parse_args(argv)

    folders = _datasets(args.datasets) + [p for p in args.extra if (p / "faq.json").is_file()]
    wanted = {n for n in args.only.split(",") if n}
    folders = [f for f in folders if not wanted or f.name in wanted]
    if not folders:
        parser.error(f"no dataset folders (with faq.json and queries.json) under {args.datasets}")
    load = os.getloadavg()[0]
    print(f"evaluating {len(folders)} datasets, load average {load:.1f}", file=sys.stderr)

    reports = []
    for folder in folders:
        print(f"{folder.name} ...", file=sys.stderr, flush=True)
        report = _run(folder, args)
        reports.append(report)
        print(f"{folder.name}: {report.get('error') or 'done'} in {report['wall_seconds']:.0f} s",
              file=sys.stderr, flush=True)
    if args.out:
        args.out.write_text(json.dumps(reports, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(_table(reports))
    print(f"\nload average at start {load:.1f}, at end {os.getloadavg()[0]:.1f}")
    return 1 if any("error" in r for r in reports) else 0


def _datasets(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "faq.json").is_file() and (p / "queries.json").is_file())


def _run(folder: Path, args: argparse.Namespace) -> dict:
    command = [sys.executable, "-m", "bot.cli", "-c", args.config, "eval", "--json",
               "--kb", str(folder / "faq.json"), "--queries", str(folder / "queries.json")]
    if (folder / "dev_queries.json").is_file() and folder.name not in DEFAULT_THRESHOLDS:
        command += ["--dev", str(folder / "dev_queries.json")]
    if args.tune_epochs is not None:
        command += ["--tune-epochs", str(args.tune_epochs)]
    env = dict(os.environ)
    if args.threads is not None:
        env["KEFU_KNOWLEDGE__THREADS"] = str(args.threads)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = done.stderr.strip().splitlines()[-3:]
        return {"dataset": folder.name, "error": " | ".join(tail) or f"exit {done.returncode}", "wall_seconds": wall}
    return {**json.loads(lines[-1]), "dataset": folder.name, "wall_seconds": wall}


def _pct(value) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _table(reports: list[dict]) -> str:
    head = ("| dataset | entries / phrasings | test queries (oos) | threshold | top-1 | floor | MRR | in-scope acc "
            "| OOS recall | wrong % | clarify % | p50 / p95 ms | index s | tune s | wall s |")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in reports:
        if "error" in r:
            rows.append(f"| {r['dataset']} | error: {r['error']} |" + " |" * 13)
            continue
        floor = FLOORS.get(r["dataset"])
        rows.append(
            f"| {r['dataset']} | {r['entries']} / {r['phrasings']} | {r['queries']} ({r['oos_queries']}) "
            f"| {r['threshold']:.2f} ({r['threshold_source']}) | {_pct(r['top1'])} | {floor if floor else '-'} "
            f"| {_pct(r['mrr'])} | {_pct(r['in_scope_accuracy'])} | {_pct(r['oos_recall'])} "
            f"| {_pct(r['wrong_answer_rate'])} | {_pct(r['clarify_rate'])} | {r['latency_ms_p50']:.1f} / {r['latency_ms_p95']:.1f} "
            f"| {r['index_seconds']:.0f} | {r['tune_seconds']:.0f} | {r['wall_seconds']:.0f} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    sys.exit(main())
