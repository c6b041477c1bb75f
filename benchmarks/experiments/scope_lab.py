"""Lab for the small-KB decision layer: per-query features of the head's top candidate, for real
queries and for out-of-fold KB phrasings (held out with their entry present = in scope, or with
their whole entry removed = out of scope).

Embeddings come from the product embedder (ONNX int8 as `kefu eval` uses it), cached as .npy
under /tmp/kefu_scope/emb. Selection sets only: dev_queries.json of the shop sets and of the demo
KB (benchmarks/data/demo), and small KBs cut from CLINC150 / SMP2017 scored with their *dev*
queries. Never the shop test queries.
"""
from __future__ import annotations

import hashlib
import os
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from knowledge.head_features import entry_max_cos, softmax  # noqa: E402
from knowledge.intent_head import HeadConfig, IntentHead, latin_weight  # noqa: E402
from knowledge.lexical_index import LexicalIndex  # noqa: E402
from knowledge.tokenizer import Tokenizer, cjk_share  # noqa: E402

CACHE = Path("/tmp/kefu_scope/emb")
_EMB = {}
TOK = Tokenizer()


def embed(texts: list[str], model: str | None = None) -> np.ndarray:
    """Product embeddings of `texts` by `model` (default: $KEFU_LAB_MODEL, else the default model)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    model = model or os.environ.get("KEFU_LAB_MODEL", "default")  # a tuned model's folder, for tuning experiments
    h = hashlib.sha1("\n".join([model, *texts] if model != "default" else texts).encode()).hexdigest()[:16]
    fn = CACHE / f"onnx_{len(texts)}_{h}.npy"
    if fn.exists():
        return np.load(fn)
    if model not in _EMB:
        from knowledge.embedder import load_embedder
        from knowledge.settings import KnowledgeSettings

        _EMB[model] = load_embedder(KnowledgeSettings(model=model, threads=1, model_cache_dir=str(ROOT / "data/index/models")))
    x = np.asarray(_EMB[model].encode(list(texts)), dtype=np.float32)
    np.save(fn, x)
    return x


@dataclass
class KB:
    texts: list[str]
    labels: list[str]
    emb: np.ndarray


def load_kb(faq_path: str | Path) -> KB:
    faq = json.load(open(faq_path, encoding="utf-8"))
    texts, labels = [], []
    for e in faq:
        for t in dict.fromkeys(x.strip() for x in [e["question"], *e.get("variants", [])] if x.strip()):
            texts.append(t)
            labels.append(e["id"])
    return KB(texts, labels, embed(texts))


def load_queries(path) -> tuple[list[str], list[str | None]]:
    rows = json.load(open(path, encoding="utf-8"))
    return [r["text"] for r in rows], [r["expected"] for r in rows]


def terms(text: str) -> set[str]:
    return set(TOK.terms(text))


class Scorer:
    """A head + lexical index fitted on a subset of a KB's phrasings."""

    def __init__(self, kb: KB, rows: np.ndarray, config: HeadConfig | None = None, calibrate: bool = False,
                 temperature: float | None = None) -> None:
        self.kb = kb
        self.rows = rows
        texts = [kb.texts[i] for i in rows]
        labels = [kb.labels[i] for i in rows]
        self.head = IntentHead.fit(texts, labels, kb.emb[rows], config, calibrate=calibrate)
        if temperature is not None:
            self.head.temperature = temperature
        self.ids = self.head.entry_ids
        col = {e: i for i, e in enumerate(self.ids)}
        self.y = np.array([col[e] for e in labels])
        self.lex = LexicalIndex(TOK)
        self.lex.add(list(range(len(rows))), texts)
        self.entry_terms = [set() for _ in self.ids]
        for t, c in zip(texts, self.y):
            self.entry_terms[c] |= terms(t)
        self.kb_terms = set().union(*self.entry_terms)

    def features(self, q_texts: list[str], q_emb: np.ndarray) -> dict[str, np.ndarray]:
        head = self.head
        n = len(self.ids)
        knn = entry_max_cos(q_emb, self.kb.emb[self.rows], self.y, n) * latin_weight(q_texts, np.arange(len(q_texts)))
        svm = head.scores(q_texts, q_emb)
        s = svm + head.alpha * knn
        prob = softmax(s, head.temperature)
        order = np.argsort(-prob, axis=1)
        r = np.arange(len(q_texts))
        t1, t2 = order[:, 0], order[:, 1]
        lexs = self.lex.scores_batch(q_texts)
        lex = np.zeros((len(q_texts), n))
        for i, ls in enumerate(lexs):
            np.maximum.at(lex[i], self.y, ls.of(np.arange(len(self.rows))))
        qterms = [terms(t) for t in q_texts]
        cov = np.array([len(q & self.entry_terms[c]) / max(1, len(q)) for q, c in zip(qterms, t1)])
        covkb = np.array([len(q & self.kb_terms) / max(1, len(q)) for q in qterms])
        return {
            "top": np.array([self.ids[c] for c in t1], dtype=object),
            "p1": prob[r, t1], "p2": prob[r, t2], "s1": s[r, t1], "s2": s[r, t2],
            "svm1": svm[r, t1], "svm2": svm[r, t2], "cos1": knn[r, t1], "cosmax": knn.max(1),
            "lex1": lex[r, t1], "lexmax": lex.max(1), "cov": cov, "covkb": covkb,
            "nterms": np.array([len(q) for q in qterms], dtype=float),
            "latin": np.array([1 - cjk_share(t) for t in q_texts]),
            "comb": prob[r, t1] + head.knn_weight * knn[r, t1],
            "S": self._global(s), "KNN": self._global(knn),
        }

    def _global(self, m: np.ndarray) -> np.ndarray:
        """(n, all KB entries) with -inf for entries this scorer was not fitted on."""
        all_ids = list(dict.fromkeys(self.kb.labels))
        out = np.full((len(m), len(all_ids)), -np.inf, dtype=np.float64)
        out[:, [all_ids.index(e) for e in self.ids]] = m
        return out


def oof(kb: KB, folds: int = 5, seed: int = 0, entry_share: float = 0.2, config: HeadConfig | None = None,
        temperature: float | None = None) -> dict[str, np.ndarray]:
    """Out-of-fold features: in each fold a share of entries is removed whole (out of scope) and
    one phrasing fold of the other entries is held out (in scope). The first protocol tried; the
    product removes one entry at a time (IntentHead._calibrate_scope, research section 5)."""
    rng = np.random.default_rng(seed)
    ids = list(dict.fromkeys(kb.labels))
    lab = np.array([ids.index(e) for e in kb.labels])
    ent_fold = rng.permutation(len(ids)) % max(1, round(1 / entry_share)) if entry_share > 0 else np.full(len(ids), -1)
    ph_fold = np.full(len(lab), -1)
    for c in range(len(ids)):
        rows = rng.permutation(np.flatnonzero(lab == c))
        if len(rows) < 2:
            continue
        f = np.arange(len(rows)) % folds
        if len(rows) <= folds:
            f[-1] = -1
        ph_fold[rows] = f
    out = []
    for f in range(folds):
        removed = np.isin(lab, np.flatnonzero(ent_fold == f))
        held = (ph_fold == f) & ~removed
        train = np.flatnonzero(~removed & ~held)
        if len(set(lab[train])) < 2:
            continue
        sc = Scorer(kb, train, config, temperature=temperature)
        for mask, scope in ((held, 1), (removed, 0)):
            rows = np.flatnonzero(mask)
            if not len(rows):
                continue
            ft = sc.features([kb.texts[i] for i in rows], kb.emb[rows])
            ft["expected"] = np.array([kb.labels[i] if scope else None for i in rows], dtype=object)
            out.append(ft)
    return {k: np.concatenate([o[k] for o in out]) for k in out[0]}


def query_features(kb: KB, q_texts, expected, config: HeadConfig | None = None) -> tuple[dict, IntentHead]:
    sc = Scorer(kb, np.arange(len(kb.texts)), config, calibrate=True)
    ft = sc.features(list(q_texts), embed(list(q_texts)))
    ft["expected"] = np.array(expected, dtype=object)
    return ft, sc.head


def subset_kb(faq_path, n_entries: int, shots: int, seed: int) -> tuple[KB, set[str]]:
    """A small KB cut from a big dataset: n_entries random entries x their first `shots` phrasings."""
    faq = json.load(open(faq_path, encoding="utf-8"))
    rng = np.random.default_rng(seed)
    pick = [faq[i] for i in sorted(rng.choice(len(faq), n_entries, replace=False))]
    texts, labels = [], []
    for e in pick:
        for t in list(dict.fromkeys([e["question"], *e["variants"]]))[:shots]:
            texts.append(t)
            labels.append(e["id"])
    return KB(texts, labels, embed(texts)), {e["id"] for e in pick}


def outcome(ft: dict, answer: np.ndarray) -> dict:
    """in-scope right %, in-scope wrong %, OOS recall %, wrong answers % of all."""
    exp = ft["expected"]
    ins = np.array([e is not None for e in exp])
    right = answer & (ft["top"] == exp)
    wrong = answer & ~(ft["top"] == exp)
    return {"acc": round(100 * right[ins].mean(), 1), "wrong_in": round(100 * wrong[ins].mean(), 1),
            "oos": round(100 * (~answer[~ins]).mean(), 1) if (~ins).any() else None,
            "wrong_all": round(100 * wrong.mean(), 1),
            "top1": round(100 * (ft["top"] == exp)[ins].mean(), 1)}


def selection_sets(seeds: int = 3) -> dict[str, tuple[KB, list[str], list]]:
    """Every selection set: name -> (KB, query texts, expected ids or None). No shop test queries."""
    data = Path("/work/shared/datasets")
    out = {}
    for name, faq, dev in (("shop_zh", "benchmarks/data/shop_zh/faq.json", "benchmarks/data/shop_zh/dev_queries.json"),
                           ("shop_en", "benchmarks/data/shop_en/faq.json", "benchmarks/data/shop_en/dev_queries.json"),
                           ("demo", "knowledge/data/demo_faq.json", "benchmarks/data/demo/dev_queries.json")):
        qt, qe = load_queries(ROOT / dev)
        out[name] = (load_kb(ROOT / faq), qt, qe)
    for name, n, shots in (("clinc150", 30, 5), ("smp2017_ecdt", 15, 6)):
        qt, qe = load_queries(data / name / "dev_queries.json")
        for seed in range(seeds):
            kb, kept = subset_kb(data / name / "faq.json", n, shots, seed)
            out[f"{name[:5]}_s{seed}"] = (kb, qt, [e if e in kept else None for e in qe])
    return out
