"""The learned part of FAQ search: a linear classifier over the KB's own phrasings.

Recipe (docs/retrieval_research.md, section 4): TF-IDF `char_wb` 1-5 + word 1-2 n-grams, plus the
model's embedding x 2 as dense columns, into a one-vs-rest LinearSVC. Its decision values are the
per-entry scores; head_fusion.py adds `alpha x` the nearest-phrasing cosine and turns the sum into
a confidence with the temperature fitted here. When the KB is mostly Chinese the default model
reads it as [UNK], so the embedding columns are switched off (char n-grams alone do better there);
the cosine term stays, weighted by each query's Latin share, for English questions of bilingual KBs.

Calibration uses out-of-fold scores of the KB's own phrasings only: folds are run until
`calibration_samples` phrasings have been scored (one fold of five on a 15k-phrasing KB), which
keeps fit + calibration within about two plain fits. A KB with fewer held-out phrasings than
`min_calibration` also gets an out-of-scope model fitted on itself (scope_model.py).
Saved as plain arrays (npz) + JSON: loading runs no pickled code.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from knowledge.head_features import HeadFeatures, entry_max_cos, softmax
from knowledge.scope_model import MIN_SCOPE_ENTRIES, MIN_SCOPE_SCORES, ScopeModel, entry_folds, top_mass
from knowledge.tokenizer import cjk_share, latin_share

__all__ = ["IntentHead", "HeadConfig", "phrasings_digest"]

_FORMAT = 2  # 2: the out-of-scope table of small KBs
_DEFAULT_T = 0.2  # research: fitted T was 0.17-0.22 on every dataset; used when a KB cannot calibrate


@dataclass(frozen=True)
class HeadConfig:
    """Fixed a priori from the research's selection splits (never from test queries)."""

    C_dense: float = 0.3  # with embedding columns (English-like KBs)
    C_lexical: float = 2.0  # char n-grams only (Chinese KBs)
    w_emb: float = 2.0
    alpha: float = 1.0  # weight of the nearest-phrasing cosine in the entry score
    # `alpha` instead for a KB of at most `few_shot` phrasings per entry (None: no change); set to 4
    # for a tuned model, whose cosine then carries the few examples best (BANKING77 10-shot dev split
    # top-1 86.4 -> 87.2; CLINC150's 100 per entry keep 1, which its dev preferred; research section 10)
    alpha_few_shot: float | None = None
    few_shot: int = 20
    # the same without embedding columns (mostly Chinese KBs): the cosine, weighted by the query's
    # Latin share, is then the only model evidence an English question of a bilingual KB gets
    # (demo KB dev + CV over phrasings: 0 -> 2 lifts English top-1, Chinese queries are unaffected)
    alpha_lexical: float = 2.0
    embeddings: str = "auto"  # "auto" | "on" | "off"
    max_cjk_share: float = 0.3  # "auto": above this share of CJK characters, embeddings are off
    folds: int = 5
    calibration_samples: int = 2000  # out-of-fold phrasings scored at most (whole folds)
    # fewer held-out phrasings than this: the 5 % quantile of the in-scope table rests on too few
    # values (research, 120 of them: 70-86 % OOS recall by random draw; the demo KB answered an
    # out-of-scope question with confidence 0.9), so such a KB decides with a ScopeModel fitted on
    # its entry-removed phrasings instead (or keeps the dense + lexical fusion if it has too few)
    min_calibration: int = 500
    # ScopeModel: entries are removed in at most this many groups (one fit each; one entry per
    # group up to 20 entries), and its quantile; both chosen on selection sets (scope_model.py)
    scope_groups: int = 20
    scope_quantile: float = 0.85
    # weight of the top entry's cosine beside its probability in the in-scope score; 16 after
    # `kefu kb tune` (tuning.TUNED_KNN_WEIGHT), whose model pulls each entry's phrasings together
    # so that the cosine carries most of the out-of-scope evidence (CLINC150 dev, research section 10)
    knn_weight: float = 1.0
    seed: int = 0


class IntentHead:
    """Fitted TF-IDF + LinearSVC head with its out-of-fold calibration."""

    def __init__(self, entry_ids: list[str], features: HeadFeatures, coef: np.ndarray, intercept: np.ndarray,
                 config: HeadConfig, temperature: float = _DEFAULT_T, oof_comb: np.ndarray | None = None,
                 oof_top1: float | None = None, digests: dict[str, str] | None = None,
                 scope: ScopeModel | None = None) -> None:
        self.entry_ids = list(entry_ids)
        # per entry, the digest of the phrasings it was fitted on: an edited entry is stale
        self.digests = dict(digests or {})
        self.features = features
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)  # (n_features, n_entries)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.config = config
        self.temperature = float(temperature)
        # sorted out-of-fold "confidence + w x cosine" of in-scope phrasings: the conformal table
        self.oof_comb = np.sort(np.asarray(oof_comb if oof_comb is not None else [], dtype=np.float32))
        self.oof_top1 = oof_top1
        self.scope = scope  # small KBs: where to reject, learnt from entry-removed phrasings
        self.column = {e: i for i, e in enumerate(self.entry_ids)}

    @property
    def uses_embeddings(self) -> bool:
        return self.features.w_emb > 0

    @property
    def alpha(self) -> float:
        return self.config.alpha if self.uses_embeddings else self.config.alpha_lexical

    # -- fitting ---------------------------------------------------------------------------------

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[str], embeddings: np.ndarray,
            config: HeadConfig | None = None, calibrate: bool = True) -> "IntentHead":
        """Fit on phrasings `texts` of entries `labels` (needs >= 2 entries)."""
        config = config or HeadConfig()
        if len(texts) != len(labels) or len(texts) != len(embeddings):
            raise ValueError(f"{len(texts)} texts, {len(labels)} labels, {len(embeddings)} embeddings")
        entry_ids = list(dict.fromkeys(labels))
        if config.alpha_few_shot is not None and entry_ids and len(texts) <= config.few_shot * len(entry_ids):
            config = replace(config, alpha=config.alpha_few_shot)
        if len(entry_ids) < 2:
            raise ValueError("a head needs at least two entries")
        col = {e: i for i, e in enumerate(entry_ids)}
        y = np.array([col[e] for e in labels], dtype=np.int64)
        emb = np.asarray(embeddings, dtype=np.float32)
        use = _use_embeddings(texts, config)
        head = cls._fit_once(list(texts), y, emb, entry_ids, config, use)
        if calibrate:
            head._calibrate(list(texts), y, emb)
            if len(head.oof_comb) < config.min_calibration:
                head._calibrate_scope(list(texts), y, emb)
        grouped: dict[str, list[str]] = {e: [] for e in entry_ids}
        for t, e in zip(texts, labels):
            grouped[e].append(t)
        head.digests = {e: phrasings_digest(ts) for e, ts in grouped.items()}
        return head

    @classmethod
    def _fit_once(cls, texts: list[str], y: np.ndarray, emb: np.ndarray, entry_ids: list[str],
                  config: HeadConfig, use_emb: bool) -> "IntentHead":
        from sklearn.svm import LinearSVC  # fitting only: a loaded head needs no scikit-learn solver

        features = HeadFeatures.fit(texts, config.w_emb if use_emb else 0.0)
        # fixed seed: liblinear shuffles, and a refit of the same KB must give the same scores
        svm = LinearSVC(C=config.C_dense if use_emb else config.C_lexical, random_state=config.seed)
        svm.fit(features.transform(texts, emb), y)
        coef, intercept = svm.coef_, svm.intercept_
        if len(entry_ids) == 2:  # sklearn keeps one binary column: entry 1 positive
            coef, intercept = np.vstack([-coef, coef]), np.array([-intercept[0], intercept[0]])
        return cls(entry_ids, features, coef.T, intercept, config)

    def _calibrate(self, texts: list[str], y: np.ndarray, emb: np.ndarray) -> None:
        """Temperature by NLL and the conformal table, from out-of-fold phrasings."""
        folds = _folds(y, self.config.folds, self.config.seed)
        scored, oof_s, oof_k, oof_y = 0, [], [], []
        for f in range(self.config.folds):
            held = np.flatnonzero(folds == f)
            if not len(held) or scored >= self.config.calibration_samples:
                break
            train = np.flatnonzero(folds != f)
            part = self._fit_once([texts[i] for i in train], y[train], emb[train], self.entry_ids, self.config,
                                  self.uses_embeddings)
            knn = entry_max_cos(emb[held], emb[train], y[train], len(self.entry_ids)) * _latin(texts, held)
            oof_s.append(part.scores([texts[i] for i in held], emb[held]) + part.alpha * knn)
            oof_k.append(knn)
            oof_y.append(y[held])
            scored += len(held)
        if not oof_s:
            return  # every entry has one phrasing: keep the default temperature, no conformal table
        from scipy.optimize import minimize_scalar

        s, k, yy = np.vstack(oof_s), np.vstack(oof_k), np.concatenate(oof_y)
        rows = np.arange(len(yy))
        nll = lambda t: -np.log(softmax(s, t)[rows, yy] + 1e-12).mean()  # noqa: E731
        self.temperature = float(minimize_scalar(nll, bounds=(0.01, 5.0), method="bounded").x)
        p = softmax(s, self.temperature)
        top = p.argmax(1)
        self.oof_top1 = float((top == yy).mean())
        self.oof_comb = np.sort(p[rows, top] + self.knn_weight * k[rows, top]).astype(np.float32)

    def _calibrate_scope(self, texts: list[str], y: np.ndarray, emb: np.ndarray) -> None:
        """The ScopeModel: top-2 probability mass of phrasings whose whole entry was left out of the fit."""
        n = len(self.entry_ids)
        if n < MIN_SCOPE_ENTRIES:
            return
        groups = min(n, self.config.scope_groups)
        removed_in = entry_folds(n, groups, self.config.seed)
        scores = []
        for f in range(groups):
            removed = np.isin(y, np.flatnonzero(removed_in == f))
            train = np.flatnonzero(~removed)
            kept = np.unique(y[train])
            if len(kept) < 2 or not removed.any():
                continue
            col = np.full(n, -1, dtype=np.int64)
            col[kept] = np.arange(len(kept))
            part = self._fit_once([texts[i] for i in train], col[y[train]], emb[train],
                                  [self.entry_ids[c] for c in kept], self.config, self.uses_embeddings)
            out = np.flatnonzero(removed)
            knn = entry_max_cos(emb[out], emb[train], col[y[train]], len(kept)) * _latin(texts, out)
            s = part.scores([texts[i] for i in out], emb[out]) + part.alpha * knn
            scores.append(top_mass(softmax(s, self.temperature)))
        if scores and sum(map(len, scores)) >= MIN_SCOPE_SCORES:
            self.scope = ScopeModel(np.concatenate(scores), self.config.scope_quantile)

    # -- scoring ---------------------------------------------------------------------------------

    @property
    def knn_weight(self) -> float:
        """Weight of the top entry's cosine in the in-scope score (0 when the model cannot read the KB)."""
        return self.config.knn_weight if self.uses_embeddings else 0.0

    def scores(self, texts: Sequence[str], embeddings: np.ndarray) -> np.ndarray:
        """(n, n_entries) float32 SVM decision values; add `alpha x` cosine for the entry score."""
        x = self.features.transform(list(texts), np.asarray(embeddings, dtype=np.float32))
        # float32 on both sides, else scipy copies the whole weight matrix per call
        return np.asarray(x.astype(np.float32) @ self.coef) + self.intercept

    def in_scope_pvalue(self, comb: np.ndarray) -> np.ndarray:
        """Share of the KB's out-of-fold in-scope scores below `comb` (1 when there is no table)."""
        if not len(self.oof_comb):
            return np.ones_like(np.asarray(comb, dtype=np.float64))
        return np.searchsorted(self.oof_comb, comb) / len(self.oof_comb)

    # -- persistence -----------------------------------------------------------------------------

    def save(self, directory: Path, extra: dict | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays, vocab = self.features.to_arrays()
        scope = {"scope": self.scope.scores} if self.scope is not None else {}
        np.savez(directory / "head.npz", coef=self.coef, intercept=self.intercept, oof_comb=self.oof_comb,
                 **scope, **arrays)
        meta = {"format": _FORMAT, "entry_ids": self.entry_ids, "config": asdict(self.config),
                "temperature": self.temperature, "oof_top1": self.oof_top1, "w_emb": self.features.w_emb,
                "digests": self.digests, "extra": extra or {}, "vocab": vocab}
        (directory / "head.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "IntentHead":
        meta = json.loads((directory / "head.json").read_text(encoding="utf-8"))
        if meta.get("format") != _FORMAT:
            raise ValueError(f"head format {meta.get('format')!r}, expected {_FORMAT}")
        with np.load(directory / "head.npz", allow_pickle=False) as z:
            a = {k: z[k] for k in z.files}
        features = HeadFeatures.from_arrays(a, meta["vocab"], meta["w_emb"])
        config = HeadConfig(**meta["config"])
        scope = ScopeModel(a["scope"], config.scope_quantile) if "scope" in a else None
        return cls(meta["entry_ids"], features, a["coef"], a["intercept"], config,
                   meta["temperature"], a["oof_comb"], meta["oof_top1"], meta["digests"], scope)

    @staticmethod
    def saved_extra(directory: Path) -> dict | None:
        """The `extra` a saved head was written with (None when there is no readable head)."""
        try:
            return json.loads((directory / "head.json").read_text(encoding="utf-8")).get("extra")
        except (OSError, ValueError):
            return None


def phrasings_digest(texts: Sequence[str]) -> str:
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:16]


def _use_embeddings(texts: Sequence[str], config: HeadConfig) -> bool:
    if config.embeddings != "auto":
        return config.embeddings == "on"
    joined = "".join(texts)
    return cjk_share(joined) <= config.max_cjk_share


def _latin(texts: Sequence[str], rows: np.ndarray) -> np.ndarray:
    """Per-query weight of the cosine term: the model reads Latin text, not CJK characters
    (a Chinese question's "？" or order number is not text it can read either)."""
    return np.array([[latin_share(texts[i])] for i in rows], dtype=np.float32)


def _folds(y: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Fold of each phrasing; an entry's phrasings are spread over folds and one always stays
    in training (entries with one phrasing get -1: never held out)."""
    rng = np.random.default_rng(seed)
    out = np.full(len(y), -1, dtype=np.int64)
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        if len(rows) < 2:
            continue
        folds = np.arange(len(rows)) % k
        if len(rows) <= k:
            folds[-1] = -1  # keep one phrasing of a small entry in every training fold
        out[rows] = folds
    return out


latin_weight = _latin  # head_fusion weighs the cosine term per query the same way
