"""Fusing dense and lexical evidence into one ranking score and one calibrated confidence.

Two small logistic models, both fitted on the knowledge base's own phrasings (see calibration.py):

- rank: per candidate entry, from its best dense cosine and best normalised BM25 over its
  phrasings, each also multiplied by the query's CJK share (the default model barely reads
  Chinese, so dense evidence should count less there). Its logit is the ranking score `s`.
- confidence: from `s` and the gap to the best *other* candidate, P(this entry is the right
  answer). Two near-equal candidates both get a middling confidence, which drives `clarify`.

Fitting is MAP with a Gaussian prior centred on the default weights, so a tiny KB keeps sensible
defaults and a large KB moves to its own. `Fusion` is the protocol other recipes can implement.
"""
from __future__ import annotations

from typing import Protocol

import numpy as np

__all__ = ["Fusion", "LinearFusion", "fit_logistic"]

# Fitted by LOO calibration (calibration.py) on the training phrasings of CLINC150 and SMP2017
# with the default model, rounded; used as the prior and when a KB is too small to calibrate.
DEFAULT_RANK = (-9.0, 8.0, 8.0, -6.0, 4.0)  # bias, dense, lexical, dense*cjk, lexical*cjk
DEFAULT_CONF = (-3.0, 0.8, 1.5)  # bias, s, gap to the best other candidate


class Fusion(Protocol):
    def rank_scores(self, dense: np.ndarray, lexical: np.ndarray, cjk: float) -> np.ndarray: ...
    def confidences(self, scores: np.ndarray, null_score: float) -> np.ndarray: ...
    def null_score(self, cjk: float) -> float: ...
    def to_dict(self) -> dict: ...


class LinearFusion:
    """The two logistic models described in the module docstring."""

    def __init__(self, rank: tuple[float, ...] = DEFAULT_RANK, conf: tuple[float, ...] = DEFAULT_CONF) -> None:
        if len(rank) != 5 or len(conf) != 3:
            raise ValueError(f"expected 5 rank and 3 confidence weights, got {len(rank)} and {len(conf)}")
        if not np.isfinite(rank).all() or not np.isfinite(conf).all():
            raise ValueError("fusion weights must be finite")
        self.rank = tuple(float(w) for w in rank)
        self.conf = tuple(float(w) for w in conf)

    @staticmethod
    def rank_features(dense: np.ndarray, lexical: np.ndarray, cjk: float | np.ndarray) -> np.ndarray:
        dense = np.asarray(dense, dtype=np.float64)
        lexical = np.asarray(lexical, dtype=np.float64)
        cjk = np.broadcast_to(np.asarray(cjk, dtype=np.float64), dense.shape)
        return np.column_stack([np.ones_like(dense), dense, lexical, dense * cjk, lexical * cjk])

    @staticmethod
    def conf_features(scores: np.ndarray, null_score: float | np.ndarray) -> np.ndarray:
        """[1, s, gap] for candidates sorted best first; a lone candidate competes with `null_score`."""
        scores = np.asarray(scores, dtype=np.float64)
        if scores.size == 0:
            return np.zeros((0, 3))
        runner_up = scores[1] if scores.size > 1 else float(np.max(null_score))
        best_other = np.full(scores.shape, scores[0])
        best_other[0] = runner_up
        return np.column_stack([np.ones_like(scores), scores, scores - best_other])

    def rank_scores(self, dense: np.ndarray, lexical: np.ndarray, cjk: float) -> np.ndarray:
        return self.rank_features(dense, lexical, cjk) @ np.asarray(self.rank)

    def confidences(self, scores: np.ndarray, null_score: float) -> np.ndarray:
        return _sigmoid(self.conf_features(scores, null_score) @ np.asarray(self.conf))

    def null_score(self, cjk: float) -> float:
        """The ranking score of an entry with no evidence at all."""
        return float(self.rank_scores(np.zeros(1), np.zeros(1), cjk)[0])

    def to_dict(self) -> dict:
        return {"kind": "linear", "rank": list(self.rank), "conf": list(self.conf)}

    @classmethod
    def from_dict(cls, data: dict) -> "LinearFusion":
        if data.get("kind") != "linear":
            raise ValueError(f"not a linear fusion: {data.get('kind')!r}")
        return cls(tuple(data["rank"]), tuple(data["conf"]))


def fit_logistic(x: np.ndarray, y: np.ndarray, prior: np.ndarray, strength: float = 1.0, iters: int = 30) -> np.ndarray:
    """MAP logistic regression (Newton's method) with a Gaussian prior N(prior, 1/strength).

    A tiny closed solver keeps scikit-learn out of the serving process.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    prior = np.asarray(prior, dtype=np.float64)
    eye = strength * np.eye(x.shape[1])

    def loss(w: np.ndarray) -> float:
        z = x @ w
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * strength * np.sum((w - prior) ** 2))

    w, current = prior.copy(), loss(prior)
    for _ in range(iters):
        p = _sigmoid(x @ w)
        grad = x.T @ (p - y) + strength * (w - prior)
        hess = (x * (p * (1 - p))[:, None]).T @ x + eye
        step = np.linalg.solve(hess, grad)
        # halve the Newton step until the loss falls: saturated starts overshoot otherwise
        for _ in range(30):
            trial = w - step
            trial_loss = loss(trial)
            if trial_loss <= current:
                break
            step = step / 2
        else:
            break
        w, converged = trial, current - trial_loss < 1e-9 * max(1.0, abs(current))
        current = trial_loss
        if converged:
            break
    return w


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))
