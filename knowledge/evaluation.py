"""`kefu eval`: search quality of a FAQ dataset measured through exactly the bot's pipeline.

The KB file goes through the same path as `kefu kb import`: read_faq, a migrated database (SQLite
in a temporary directory), FaqStore.replace_all, list_entries("published"), then load_embedder
and Retriever.build. Test queries are searched once in batches with all thresholds at zero, which
yields each query's full ranked candidates; the bot's Decider then gives the decisions at the
chosen thresholds (see eval_metrics). Latency is measured separately, one `search` call at a time
on a sample, through a Retriever that holds the chosen thresholds; the same calls confirm that the
offline decisions equal the live ones (`decision_agreement`).
"""
from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Sequence

import numpy as np
from tqdm import tqdm

from knowledge.embedder import EmbedderError, load_embedder
from knowledge.eval_metrics import Scored, choose_threshold, decide_all, decision_metrics, ranking_metrics
from knowledge.formats import FaqImportError, read_faq
from knowledge.query_set import Query, QueryFileError, check_expected, load_queries
from knowledge.retriever import Retriever
from knowledge.settings import KnowledgeSettings
from knowledge.tuning import LEARNING_RATE, TuningError, tune_model
from knowledge.types import FaqEntry

__all__ = ["EvaluationError", "run_evaluation", "LATENCY_SAMPLE", "RANK_K"]

log = logging.getLogger(__name__)

LATENCY_SAMPLE = 300  # single `search` calls timed; enough for a stable p95, cheap on 5,500 queries
RANK_K = 10  # candidates kept per query: MRR is MRR@10
_BATCH = 256  # queries per search_batch call in the scoring pass


class EvaluationError(Exception):
    """Bad input (missing or malformed file, unknown expected id) or a model that cannot load."""


def run_evaluation(kb_path: str | Path, queries_path: str | Path, dev_path: str | Path | None,
                   settings: KnowledgeSettings, progress: bool = False, tune: bool = False,
                   tune_epochs: int | None = None, tune_learning_rate: float | None = None,
                   latency_sample: int = LATENCY_SAMPLE) -> dict:
    """Build a fresh KB from `kb_path`, score `queries_path`, and return the report (JSON-ready).

    The answer threshold is chosen on `dev_path` when given (the test queries are never looked at
    for that), else the configured one is used. `tune` (or a number of `tune_epochs`) fine-tunes
    the model on the KB first, as `kefu kb tune` would.
    """
    started = time.perf_counter()
    kb_path = Path(kb_path)
    try:
        entries = read_faq(kb_path)
    except FaqImportError as exc:
        raise EvaluationError(str(exc)) from None
    except OSError as exc:
        raise EvaluationError(f"{kb_path}: cannot read: {exc.strerror or exc}") from None
    try:
        test = load_queries(queries_path)
        dev = load_queries(dev_path) if dev_path is not None else None
    except QueryFileError as exc:
        raise EvaluationError(str(exc)) from None

    with tempfile.TemporaryDirectory(prefix="kefu-eval-") as tmp:
        work = Path(tmp)
        published, version = asyncio.run(_import(entries, work / "eval.db", kb_path))
        known = {e.id for e in published}
        try:
            check_expected(queries_path, test, known, kb_path)
            if dev is not None:
                check_expected(dev_path, dev, known, kb_path)
        except QueryFileError as exc:
            raise EvaluationError(str(exc)) from None

        configured_model = settings.model
        tune_seconds, epochs = 0.0, 0
        learning_rate = tune_learning_rate or LEARNING_RATE
        if tune or tune_epochs:
            try:
                tuned = tune_model(settings, published, work, tune_epochs, learning_rate, progress=progress)
            except TuningError as exc:
                raise EvaluationError(f"tuning on {kb_path} failed: {exc}") from None
            tune_seconds, epochs = tuned.seconds, tuned.epochs
            settings = settings.model_copy(update={"model": str(tuned.path)})  # as the bot uses it after tuning

        t0 = time.perf_counter()
        try:
            embedder = load_embedder(settings)
        except EmbedderError as exc:
            raise EvaluationError(str(exc)) from None
        load_seconds = time.perf_counter() - t0

        # All thresholds at zero: every search returns its full ranked list (see module docstring).
        raw = Retriever(_raw(settings), embedder, cache_dir=work / "index")
        t0 = time.perf_counter()
        raw.build(published, version, progress)
        index_seconds = time.perf_counter() - t0

        dev_scored = _score(raw, dev, progress, "dev") if dev is not None else None
        t0 = time.perf_counter()
        scored = _score(raw, test, progress, "test")
        search_seconds = time.perf_counter() - t0

        if dev_scored is not None:
            chosen, dev_metrics = choose_threshold(dev_scored, settings, RANK_K)
        else:
            chosen, dev_metrics = settings, None
        offline = decide_all(scored, chosen, RANK_K)

        live = Retriever(chosen, embedder, cache_dir=work / "index")
        live.build(published, version)  # loads the index just saved: nothing is embedded again
        latency, agreement = _latency(live, test, offline, latency_sample, progress)

    report = {
        "dataset": kb_path.parent.name if kb_path.stem == "faq" else kb_path.stem,
        "model": configured_model,
        "tune_epochs": epochs,
        "tune_learning_rate": learning_rate if epochs else None,
        "embedder": embedder.name,
        "entries": len(published),
        "phrasings": sum(len(set(e.phrasings)) for e in published),
        "queries": len(test),
        "in_scope_queries": sum(q.expected is not None for q in test),
        "oos_queries": sum(q.expected is None for q in test),
        **ranking_metrics(scored),
        **decision_metrics(scored, offline),
        "threshold": chosen.answer_threshold,
        "clarify_threshold": chosen.clarify_threshold,
        "threshold_source": "dev" if dev is not None else "default",
        "dev_queries": len(dev) if dev is not None else 0,
        "dev": dev_metrics,
        "latency_ms_p50": float(np.percentile(latency, 50)),
        "latency_ms_p95": float(np.percentile(latency, 95)),
        "latency_queries": len(latency),
        "decision_agreement": agreement,
        "model_load_seconds": load_seconds,
        "index_seconds": index_seconds,
        "tune_seconds": tune_seconds,
        "search_seconds": search_seconds,
        "queries_per_second": len(test) / search_seconds if search_seconds > 0 else None,
        "total_seconds": time.perf_counter() - started,
    }
    return _rounded(report)


async def _import(entries: list[FaqEntry], db_file: Path, kb_path: Path) -> tuple[list[FaqEntry], str]:
    """The KB as the bot would hold it after `kefu kb import --replace`: published entries + version."""
    from bot.storage import Database
    from knowledge.faq_store import FaqStore

    db = Database(f"sqlite+aiosqlite:///{db_file}")
    try:
        await db.migrate()
        store = FaqStore(db.engine)
        try:
            await store.replace_all(entries, by="kefu eval", mode="replace")
        except ValueError as exc:
            raise EvaluationError(f"{kb_path}: cannot import: {exc}") from None
        published = await store.list_entries("published")
        version = await store.version()
    finally:
        await db.close()
    if not published:
        raise EvaluationError(f"{kb_path}: no published entries (all drafts?): nothing to search")
    return published, str(version)


def _raw(settings: KnowledgeSettings) -> KnowledgeSettings:
    return settings.model_copy(update={"answer_threshold": 0.0, "clarify_threshold": 0.0, "clarify_margin": 0.0})


def _score(retriever: Retriever, queries: Sequence[Query], progress: bool, label: str) -> list[Scored]:
    out: list[Scored] = []
    with tqdm(total=len(queries), desc=f"searching {label} queries", unit="q", disable=not progress) as bar:
        for start in range(0, len(queries), _BATCH):
            chunk = queries[start:start + _BATCH]
            for q, result in zip(chunk, retriever.search_batch([q.text for q in chunk], RANK_K)):
                vouched = retriever.vouched(q.text, [c.entry_id for c in result.candidates])
                out.append(Scored(result.candidates, q.expected, vouched))
            bar.update(len(chunk))
    return out


def _latency(retriever: Retriever, queries: Sequence[Query], offline: Sequence, sample: int,
             progress: bool) -> tuple[list[float], float]:
    """Milliseconds of single `search` calls on an evenly spaced sample, and decision agreement."""
    picks = np.unique(np.linspace(0, len(queries) - 1, num=min(max(sample, 1), len(queries))).astype(int))
    for q in queries[:3]:  # warm-up: first calls pay for lazy initialisation
        retriever.search(q.text, RANK_K)
    times, agree = [], 0
    for i in tqdm(picks, desc="timing single searches", unit="q", disable=not progress):
        t0 = time.perf_counter()
        result = retriever.search(queries[i].text, RANK_K)
        times.append((time.perf_counter() - t0) * 1000)
        expected = offline[i]
        agree += result.decision == expected.decision and _top_id(result) == _top_id(expected)
    agreement = agree / len(picks)
    if agreement < 1:
        log.warning("offline decisions differ from the Retriever's on %d of %d sampled queries: the "
                    "decision rule changed; update knowledge/eval_metrics.py", len(picks) - agree, len(picks))
    return times, agreement


def _top_id(result) -> str | None:
    return result.top.entry_id if result.top is not None else None


def _rounded(value):
    if isinstance(value, float):
        return float(f"{value:.4g}") if abs(value) < 1e-2 else round(value, 4)  # a learning rate keeps its digits
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value
