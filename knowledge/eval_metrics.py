"""Scoring search results against expected FAQ ids, and choosing the answer threshold on dev queries.

Ranking metrics (top-1, MRR) come from the raw ranked candidates, before any threshold. Decision
metrics re-apply the bot's own `Decider` to those ranked lists, so one search pass serves every
threshold of a sweep; `run_evaluation` checks on a sample that this matches the live Retriever.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from knowledge.decision import Decider
from knowledge.settings import KnowledgeSettings
from knowledge.types import Candidate, SearchResult

__all__ = ["Scored", "ranking_metrics", "decision_metrics", "decide_all", "choose_threshold",
           "with_threshold", "wilson_lower", "MIN_OOS_RECALL", "GRID"]

MIN_OOS_RECALL = 0.9  # the constraint of the dev objective when dev has out-of-scope queries
GRID = tuple(round(t, 2) for t in np.arange(0.0, 1.0001, 0.01))  # answer thresholds swept


@dataclass(frozen=True)
class Scored:
    """One query's ranked candidates (best first, no threshold applied) and its expected id."""

    ranked: tuple[Candidate, ...]
    expected: str | None  # None: out of scope, the right outcome is no_answer
    vouched: frozenset[str] = frozenset()  # best candidates holding every content word (Retriever.vouched)


def ranking_metrics(scored: Sequence[Scored]) -> dict:
    """top1 and MRR over the in-scope queries; an entry missing from the candidates counts 0."""
    in_scope = [s for s in scored if s.expected is not None]
    if not in_scope:
        return {"top1": None, "mrr": None}
    hits = 0
    reciprocal = 0.0
    for s in in_scope:
        ids = [c.entry_id for c in s.ranked]
        if ids and ids[0] == s.expected:
            hits += 1
        if s.expected in ids:
            reciprocal += 1.0 / (ids.index(s.expected) + 1)
    return {"top1": hits / len(in_scope), "mrr": reciprocal / len(in_scope)}


def decide_all(scored: Sequence[Scored], settings: KnowledgeSettings, k: int) -> list[SearchResult]:
    decider = Decider(settings)
    return [decider.decide(s.ranked, k, s.vouched) for s in scored]


def decision_metrics(scored: Sequence[Scored], results: Sequence[SearchResult]) -> dict:
    """Outcomes after thresholds: right answers, out-of-scope rejections, clarify/answer rates."""
    if len(scored) != len(results):
        raise ValueError(f"{len(scored)} queries but {len(results)} results")
    n_in = n_oos = right = wrong = rejected = clarified_right = clarify = answer = 0
    for s, r in zip(scored, results):
        clarify += r.decision == "clarify"
        answer += r.decision == "answer"
        if s.expected is None:
            n_oos += 1
            rejected += r.decision == "no_answer"
            wrong += r.decision == "answer"
            continue
        n_in += 1
        if r.decision == "answer":
            if r.top is not None and r.top.entry_id == s.expected:
                right += 1
            else:
                wrong += 1
        elif r.decision == "clarify":
            clarified_right += any(c.entry_id == s.expected for c in r.candidates)
    n = len(scored)
    return {
        "in_scope_accuracy": right / n_in if n_in else None,
        # clarifications that offer the right entry: not counted as accurate, but the user is one tap away
        "in_scope_clarified_right": clarified_right / n_in if n_in else None,
        "oos_recall": rejected / n_oos if n_oos else None,
        "wrong_answer_rate": wrong / n if n else None,
        "clarify_rate": clarify / n if n else None,
        "answer_rate": answer / n if n else None,
    }


def wilson_lower(rate: float, n: int, z: float = 1.645) -> float:
    """One-sided 95 % Wilson lower bound of a proportion `rate` observed on `n` trials."""
    if n <= 0:
        return 0.0
    centre = rate + z * z / (2 * n)
    spread = z * float(np.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)))
    return (centre - spread) / (1 + z * z / n)


def with_threshold(settings: KnowledgeSettings, answer: float, band: float) -> KnowledgeSettings:
    """`settings` with answer_threshold `answer` and the clarify threshold `band` below it (no-answer
    is decided by clarify_threshold, see Decider, so the two move together)."""
    clarify = round(max(0.0, answer - band), 4)
    return settings.model_copy(update={"answer_threshold": answer, "clarify_threshold": clarify})


def choose_threshold(dev: Sequence[Scored], settings: KnowledgeSettings, k: int) -> tuple[KnowledgeSettings, dict]:
    """Sweep the answer threshold and the clarify band's width on dev queries only; return the
    settings with the chosen thresholds and the dev metrics there.

    Objective: with out-of-scope dev queries, the highest in-scope accuracy among thresholds whose
    out-of-scope recall is >= MIN_OOS_RECALL at its one-sided 95 % lower confidence bound (if none
    reaches it, the highest bound, then accuracy). The bound, not the dev figure itself, because a
    threshold put exactly where 90 of 100 dev questions are rejected rejects fewer new ones
    (CLINC150: 90 % on dev, 83-87 % on test; docs/retrieval_research.md section 9).
    Without them: the most right answers minus wrong answers (a wrong answer costs what a right one
    gains; clarify and no-answer cost nothing). Ties go to the wider band, then the lower threshold.
    Bands: the configured width, 0.1, 0.05 and none (a clarified question counts as neither
    answered nor rejected, so a KB whose dev questions gain nothing from options loses the band).
    """
    if not dev:
        raise ValueError("no dev queries to choose a threshold on")
    n_oos = sum(s.expected is None for s in dev)
    configured = round(settings.answer_threshold - settings.clarify_threshold, 4)
    best: tuple | None = None
    for band in sorted({configured, 0.1, 0.05, 0.0}, reverse=True):
        for t in GRID:
            candidate = with_threshold(settings, t, band)
            metrics = decision_metrics(dev, decide_all(dev, candidate, k))
            accuracy = metrics["in_scope_accuracy"] or 0.0
            if n_oos:
                recall = wilson_lower(metrics["oos_recall"], n_oos)
                key = (recall >= MIN_OOS_RECALL, accuracy if recall >= MIN_OOS_RECALL else recall, accuracy)
            else:  # every dev query is in scope, so wrong_answer_rate is per in-scope query
                key = (True, accuracy - metrics["wrong_answer_rate"], accuracy)
            if best is None or key > best[0]:
                best = (key, candidate, metrics)
    assert best is not None
    return best[1], best[2]
