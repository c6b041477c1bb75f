"""Where a small KB's intent head stops answering: an out-of-scope model fitted on the KB itself.

A head fitted on a handful of phrasings per entry spreads its probability over the entries it
knows, so an out-of-scope question often still gets a confident top entry; and with a few hundred
held-out phrasings the in-scope conformal table (intent_head.py) is too wide to reject it.
So small KBs learn where to reject from their own out-of-scope examples: entries are removed
whole, one at a time (in at most 20 groups: one fit per group), a head is fitted on the rest, and
the removed entry's phrasings are out-of-scope questions for it, of the hard kind customers ask
(near the KB's topic, not chit-chat). The in-scope probability their two best entries get
together forms a sorted table, and a query whose own two best entries do not beat `quantile` of
it is treated as out of scope. Two entries, not one: a question that hesitates between two
near-duplicate entries is in scope (the Decider offers both), not out of it.

The settings were chosen on selection sets only, never on the shop test queries
(benchmarks/experiments/scope_select.py, docs/retrieval_research.md section 5): dev_queries.json
of benchmarks/data/shop_zh, shop_en and demo (written for this before any test result of the rule
was seen) and small KBs cut from CLINC150 and SMP2017, scored with those datasets' dev queries.
One entry at a time, not a fifth of them per fold (whose quantile moved by up to 0.25 with the
random grouping); quantile 0.85: the best mean of (in-scope answered right + OOS recall) among
0.6-0.9 whose wrong answers stay <= 5 % of in-scope dev queries on both groups of sets (0.8:
5.4 % on the CLINC/SMP ones). Entry-removed questions are harder than real out-of-scope ones, so
more than 85 % of real ones are rejected (79-96 % on the dev sets).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["ScopeModel", "entry_folds", "top_mass", "MIN_SCOPE_ENTRIES", "MIN_SCOPE_SCORES"]

MIN_SCOPE_SCORES = 20  # fewer entry-removed phrasings: the quantile means nothing, keep the fusion
MIN_SCOPE_ENTRIES = 5  # with fewer, the two best of the entries left hold nearly all probability
_TOP = 2  # entries whose probabilities are summed (see the module docstring)
# a query judged out of scope keeps at most this share of its probability: below the default
# clarify threshold (0.3) whatever it was, yet still ordered, so a dev-chosen threshold can sweep it
_OUT_SHRINK = 0.25


@dataclass(frozen=True)
class ScopeModel:
    """Sorted top-2 in-scope probability mass of the KB's entry-removed phrasings, and the rule."""

    scores: np.ndarray = field(repr=False)
    quantile: float = 0.85

    def __post_init__(self) -> None:
        if not 0.0 < self.quantile <= 1.0:
            raise ValueError(f"quantile must be in (0, 1], got {self.quantile}")
        if not len(self.scores):
            raise ValueError("a scope model needs out-of-scope scores")
        object.__setattr__(self, "scores", np.sort(np.asarray(self.scores, dtype=np.float32)))

    def share_below(self, prob: np.ndarray) -> np.ndarray:
        """Per query (rows of in-scope probabilities), the share of the KB's out-of-scope examples
        whose two best entries hold less probability."""
        mass = top_mass(prob).astype(np.float32)
        return np.searchsorted(self.scores, mass, side="left") / len(self.scores)

    def factor(self, prob: np.ndarray) -> np.ndarray:
        """Multiplier of each query's confidences: 1 when it beats `quantile` of the table, else a
        fraction that keeps them below the clarify threshold (a no-answer at the defaults)."""
        share = self.share_below(prob)
        return np.where(share >= self.quantile, 1.0, _OUT_SHRINK * share / self.quantile)


def top_mass(prob: np.ndarray) -> np.ndarray:
    """Per row, the summed probability of its two best entries."""
    prob = np.asarray(prob)
    if prob.shape[1] <= _TOP:
        return prob.sum(1)
    return np.partition(prob, -_TOP, axis=1)[:, -_TOP:].sum(1)


def entry_folds(n_entries: int, groups: int, seed: int) -> np.ndarray:
    """Group in which each entry is removed whole: every entry once, a 1/groups share per group."""
    rng = np.random.default_rng(seed + 1)  # not the phrasing folds' stream
    return rng.permutation(n_entries) % groups
