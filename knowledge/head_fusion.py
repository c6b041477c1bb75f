"""Ranking and confidence from the intent head, with the dense + lexical fusion as a fallback.

Per query and entry the head gives `S = svm + alpha x cos`, where `cos` is the best cosine
between the query and the entry's phrasings (weighted by the query's non-CJK share: the default
model cannot read Chinese). `softmax(S / T)` is the in-scope probability p of each entry. Whether
the query is in scope at all is judged against the KB's own out-of-fold scores: the p-value of
`p + cos` among them. Confidence = p x min(1, p-value / IN_SCOPE_P), so at the default thresholds
(answer 0.5 / clarify 0.3) a query answers only when its score is at least as typical as the
KB's 5 % least typical in-scope phrasings (the research's conformal rule). KBs too small for that
table (fewer than 500 held-out phrasings) use their ScopeModel instead: a query whose two best
entries hold less p than those of 85 % of the KB's own entry-removed phrasings is out of scope.

Entries the head does not know (published or edited since it was fitted) get the linear fusion's
confidence from their dense/lexical evidence, so a publish is searchable at once; the retriever
retrains the head in the background and swaps it in.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from knowledge.fusion import Fusion
from knowledge.head_features import softmax
from knowledge.intent_head import IntentHead, latin_weight
from knowledge.phrasing_index import PhrasingIndex, Pool
from knowledge.tokenizer import cjk_share
from knowledge.types import Candidate

__all__ = ["HeadFusion", "head_confidences", "linear_candidates", "IN_SCOPE_P"]

# p-value below which confidence shrinks in proportion; fixed a priori as twice the research's
# 5 % conformal default, so that 0.5 x confidence ~ "p-value >= 5 %" at the default thresholds
IN_SCOPE_P = 0.1
_EXACT_TOP = 5  # entries beyond the pool whose cosine is computed exactly (the head's best ones)


def head_confidences(head: IntentHead, texts: Sequence[str], embeddings: np.ndarray,
                     knn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(confidence, in-scope probability), both (n, n_entries), from the per-entry cosines `knn`."""
    knn = knn * latin_weight(texts, np.arange(len(texts)))
    return _confidences(head, head.scores(texts, embeddings), knn)


def _confidences(head: IntentHead, svm: np.ndarray, knn: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    prob = softmax(svm + head.alpha * knn, head.temperature)
    if head.scope is not None:  # small KB: judged against its own entry-removed questions
        return prob * head.scope.factor(prob)[:, None], prob
    pval = head.in_scope_pvalue(prob + head.knn_weight * knn)
    return prob * np.minimum(1.0, pval / IN_SCOPE_P), prob


@dataclass(frozen=True)
class HeadFusion:
    """The head (None until one is fitted), the fallback fusion, and the entries the head must
    not answer for (edited or added since it was fitted)."""

    head: IntentHead | None
    fallback: Fusion
    stale: frozenset[str] = frozenset()

    @property
    def judges_by_table(self) -> bool:
        """Whether scope is judged by the head's table of held-out in-scope scores (a big KB)."""
        return self.head is not None and self.head.scope is None and len(self.head.oof_comb) > 0

    def with_stale(self, entry_id: str) -> "HeadFusion":
        return HeadFusion(self.head, self.fallback, self.stale | {entry_id})

    def rank_batch(self, texts: Sequence[str], queries: np.ndarray, sims: np.ndarray, pools: Sequence[Pool],
                   index: PhrasingIndex, keep: int) -> list[list[Candidate]]:
        """Ranked candidates (best first, at most `keep`) of each query; `sims` are its dense hits'
        cosines, best first (the last one bounds the cosine of every entry not fetched)."""
        if self.head is None:
            return [linear_candidates(p, self.fallback, cjk_share(t), index, keep) for p, t in zip(pools, texts)]
        head = self.head
        svm = head.scores(texts, queries)
        usable = np.array([e not in self.stale and index.phrasing_ids(e) != () for e in head.entry_ids])
        latin = latin_weight(texts, np.arange(len(texts)))[:, 0]
        out = []
        for row, (text, pool) in enumerate(zip(texts, pools)):
            fetched = sims[row][sims[row] > -1e30]  # faiss pads missing hits with -FLT_MAX
            floor = float(fetched.min()) if len(fetched) else 0.0
            knn = np.full(len(head.entry_ids), floor, dtype=np.float32)
            dense, lexical = pool.entry_max()
            lex_of = dict(zip(pool.entry_ids, lexical.tolist()))
            pooled = [head.column.get(e) for e in pool.entry_ids]
            for col, d in zip(pooled, dense.tolist()):
                if col is not None:
                    knn[col] = d
            # the head's best entries outside the pool: exact cosine, it decides their order
            rough = np.where(usable, svm[row] + head.alpha * latin[row] * knn, -np.inf)
            for col in np.argsort(-rough)[:_EXACT_TOP].tolist():
                if usable[col] and head.entry_ids[col] not in lex_of:
                    knn[col] = _best_cos(index, head.entry_ids[col], queries[row])[1]
            s = np.where(usable, svm[row], -1e9)[None, :]
            conf, _ = _confidences(head, s, (knn * latin[row])[None, :])
            conf = conf[0]
            order = [c for c in np.argsort(-conf, kind="stable")[:keep].tolist() if usable[c]]
            # the matched phrasing of a pooled entry is its best by dense + lexical evidence (the head
            # scores entries, not phrasings), as linear_candidates picks it; others: the nearest
            cjk = cjk_share(text)
            fused = self.fallback.rank_scores(pool.dense, pool.lexical, cjk)
            at = {e: i for i, e in enumerate(pool.entry_ids)}
            cands = []
            for c in order:
                entry = head.entry_ids[c]
                matched = (_matched(pool, fused, at[entry], index) if entry in at
                           else _best_cos(index, entry, queries[row])[0])
                cands.append(Candidate(entry, float(conf[c]), matched, float(knn[c]), lex_of.get(entry, 0.0)))
            # entries the head does not know compete with the linear fusion's confidence (rare: the
            # pool is ranked by the fusion only when an edit is waiting for the background refit)
            if any(e not in head.column or e in self.stale for e in pool.entry_ids):
                cands += [c for c in linear_candidates(pool, self.fallback, cjk, index, len(pool.entry_ids))
                          if c.entry_id not in head.column or c.entry_id in self.stale]
            cands.sort(key=lambda c: -c.confidence)
            out.append(cands[:keep])
        return out


def _matched(pool: Pool, fused: np.ndarray, i: int, index: PhrasingIndex) -> str:
    """The phrasing of the pool's entry `i` whose own fused score is best (as linear_candidates)."""
    end = pool.starts[i + 1] if i + 1 < len(pool.starts) else len(pool.phrasing_ids)
    best = pool.starts[i] + int(np.argmax(fused[pool.starts[i]: end]))
    return index.phrasing(int(pool.phrasing_ids[best]))[1]


def _best_cos(index: PhrasingIndex, entry: str, query: np.ndarray) -> tuple[str, float]:
    """The entry's phrasing nearest to the query, and its cosine."""
    pids = np.array(index.phrasing_ids(entry), dtype=np.int64)
    cos = np.einsum("ij,j->i", index.dense.vectors(pids), query)
    best = int(np.argmax(cos))
    return index.phrasing(int(pids[best]))[1], float(cos[best])


def linear_candidates(pool: Pool, fusion: Fusion, cjk: float, index: PhrasingIndex, keep: int) -> list[Candidate]:
    """The dense + lexical fusion's ranking of a pool (the ranking before the head existed)."""
    if not pool.entry_ids:
        return []
    dense, lexical = pool.entry_max()
    scores = fusion.rank_scores(dense, lexical, cjk)
    order = np.argsort(-scores, kind="stable")[:keep]
    conf = fusion.confidences(scores[order], fusion.null_score(cjk))
    # the matched phrasing is the one whose own fused score is best within its entry
    per_phrasing = fusion.rank_scores(pool.dense, pool.lexical, cjk)
    ends = np.append(pool.starts[1:], len(pool.phrasing_ids))
    out = []
    for c, e in zip(conf, order):
        best = pool.starts[e] + int(np.argmax(per_phrasing[pool.starts[e]: ends[e]]))
        out.append(Candidate(pool.entry_ids[e], float(c), index.phrasing(int(pool.phrasing_ids[best]))[1],
                             float(dense[e]), float(lexical[e])))
    out.sort(key=lambda c: -c.confidence)  # stable: ties keep the ranking order
    return out
