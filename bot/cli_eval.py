"""`kefu eval`: measure search quality on an FAQ dataset, with exactly the bot's pipeline."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.settings import Settings


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "eval",
        help="evaluate search on a dataset (faq.json + queries.json)",
        description="Build a fresh knowledge base from --kb in a temporary database with the bot's own pipeline "
        "and score --queries. Thresholds are chosen on --dev when given, else the configured defaults. "
        "Prints top1, mrr, in_scope_accuracy, oos_recall, threshold, latency and timings.",
    )
    parser.add_argument("--kb", type=Path, required=True, help="FAQ file (JSON, CSV, XLSX or Rasa YAML)")
    parser.add_argument("--queries", type=Path, required=True, help='test queries: [{"text", "expected"}]')
    parser.add_argument("--dev", type=Path, help="dev queries used only to choose the threshold")
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    parser.add_argument("--tune", action="store_true",
                        help="fine-tune the model on the KB first, as `kefu kb tune` does (minutes; reported as "
                        "tune_seconds)")
    parser.add_argument("--tune-epochs", type=int, default=None, metavar="N",
                        help="with --tune: N passes over the phrasings instead of `kefu kb tune`'s default")
    parser.add_argument("--tune-learning-rate", type=float, default=None, metavar="LR",
                        help="with --tune: the learning rate instead of `kefu kb tune`'s default")
    parser.add_argument("--latency-sample", type=int, default=300, metavar="N",
                        help="single-query searches timed for latency (default: %(default)s)")
    parser.set_defaults(handler=evaluate)


def evaluate(settings: Settings, args: argparse.Namespace) -> int:
    from knowledge.evaluation import EvaluationError, run_evaluation

    knowledge = settings.knowledge
    if not knowledge.model_cache_dir:  # share the bot's ONNX exports: the pipeline is the bot's
        knowledge = knowledge.model_copy(update={"model_cache_dir": str(settings.server.data_dir / "index" / "models")})
    try:
        report = run_evaluation(args.kb, args.queries, args.dev, knowledge, progress=not args.json,
                                tune=args.tune or args.tune_epochs is not None, tune_epochs=args.tune_epochs,
                                tune_learning_rate=args.tune_learning_rate,
                                latency_sample=args.latency_sample)
    except EvaluationError as exc:
        print(f"kefu eval: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for key, value in report.items():
            print(f"{key:>20}: {value}")
    return 0
