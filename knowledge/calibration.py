"""Fitting `LinearFusion` from the knowledge base itself, never from test queries.

Leave-one-out over the KB's own phrasings: a sampled phrasing is searched for with itself
removed, so its entry must be found through its other phrasings (an in-scope question). For a
quarter of the samples the whole entry is removed, which imitates an out-of-scope question: every
candidate is then wrong. Query vectors are the stored ones, so calibrating embeds nothing.
"""
from __future__ import annotations

import logging

import numpy as np

from knowledge.fusion import LinearFusion, fit_logistic
from knowledge.phrasing_index import PhrasingIndex
from knowledge.tokenizer import cjk_share

__all__ = ["calibrate"]

log = logging.getLogger(__name__)

_MIN_QUERIES = 20  # below this the prior (default weights) is kept as it is
_ENTRY_OUT_SHARE = 0.25


def calibrate(
    index: PhrasingIndex, prior: LinearFusion, per_path: int, max_queries: int, seed: int = 0
) -> LinearFusion:
    entries = index.entry_ids()
    pids = np.array([p for e in entries for p in index.phrasing_ids(e)], dtype=np.int64)
    n = min(max_queries, len(pids))
    if len(entries) < 2 or n < _MIN_QUERIES:
        return prior
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(pids, size=n, replace=False))
    entry_out = rng.random(n) < _ENTRY_OUT_SHARE
    vectors = index.dense.vectors(sample)
    excludes: list[frozenset[int]] = []
    for pid, out in zip(sample.tolist(), entry_out):
        entry = index.phrasing(pid)[0]
        excludes.append(frozenset(index.phrasing_ids(entry)) if out else frozenset((pid,)))
    k = index.dense_fetch(per_path) + max(len(e) for e in excludes)
    _, hits = index.dense.search(vectors, k)

    rank_x, rank_y, groups = [], [], []
    for i, pid in enumerate(sample.tolist()):
        entry, text = index.phrasing(pid)
        pool = index.pool(vectors[i], hits[i], index.lexical.scores(text), per_path, excludes[i])
        if not pool.entry_ids:
            continue
        dense, lexical = pool.entry_max()
        z = cjk_share(text)
        rank_x.append(LinearFusion.rank_features(dense, lexical, z))
        rank_y.append(np.array([e == entry and not entry_out[i] for e in pool.entry_ids], dtype=float))
        groups.append(z)
    if len(groups) < _MIN_QUERIES:
        return prior
    x, y = np.vstack(rank_x), np.concatenate(rank_y)
    w_rank = fit_logistic(x, y, np.asarray(prior.rank))

    conf_x, conf_y = [], []
    for feats, labels, z in zip(rank_x, rank_y, groups):
        scores = feats @ w_rank
        order = np.argsort(-scores, kind="stable")
        null = float(LinearFusion.rank_features(np.zeros(1), np.zeros(1), z)[0] @ w_rank)
        conf_x.append(LinearFusion.conf_features(scores[order], null))
        conf_y.append(labels[order])
    w_conf = fit_logistic(np.vstack(conf_x), np.concatenate(conf_y), np.asarray(prior.conf))
    log.info(
        "calibrated fusion on %d held-out phrasings (%d with their entry removed): rank %s, conf %s",
        len(groups), int(entry_out.sum()), np.round(w_rank, 2).tolist(), np.round(w_conf, 2).tolist(),
    )
    return LinearFusion(tuple(w_rank), tuple(w_conf))
