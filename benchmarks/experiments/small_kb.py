"""No-dev scenario: a small hand-written-like KB (30 entries x 4 phrasings) cut from CLINC150.

The KB = 30 random CLINC150 intents, each with its `question` + first 3 variants. Queries =
CLINC150 test queries: those of the 30 intents are in scope; those of the other 120 intents and
the official out-of-scope ones must get no_answer. No dev set: temperature and the out-of-scope
rule come from the KB itself (4-fold CV over phrasings), thresholds are fixed defaults.

    .venv/bin/python benchmarks/experiments/small_kb.py --data /work/shared/datasets [--emb minilm]
"""
import argparse
import json

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from common import embed, load
from features import Featurizer, class_max_sim, softmax

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/datasets")
ap.add_argument("--entries", type=int, default=30)
ap.add_argument("--shots", type=int, default=4)
ap.add_argument("--seeds", type=int, default=3)
ap.add_argument("--w_emb", type=float, default=2.0)
ap.add_argument("--C", type=float, default=0.3)
ap.add_argument("--alpha", type=float, default=1.0)
args = ap.parse_args()

texts, y, ids, test, _ = load(args.data, "clinc150")
E_all, Q_all = embed(texts), embed(test[0])
id2i = {k: i for i, k in enumerate(ids)}
q_lab = np.array([id2i[e] if e is not None else -1 for e in test[1]])
fcfg = dict(char_range=(1, 5), word_range=(1, 2), w_char=1, w_word=1, w_emb=args.w_emb)
out = []
for seed in range(args.seeds):
    rng = np.random.default_rng(seed)
    ents = rng.choice(len(ids), args.entries, replace=False)
    idx = np.concatenate([np.where(y == c)[0][: args.shots] for c in ents])
    kt = [texts[i] for i in idx]
    ke = E_all[idx]
    remap = {c: j for j, c in enumerate(ents)}
    ky = np.array([remap[c] for c in y[idx]])
    n = len(ents)

    def fit(tt, te, ty):
        f = Featurizer(**fcfg).fit(tt)
        return f, LinearSVC(C=args.C).fit(f.transform(tt, te), ty), te, ty

    def score(m, qt, qe):
        f, clf, e, ty = m
        K = class_max_sim(qe, e, ty, n)
        return clf.decision_function(f.transform(qt, qe)) + args.alpha * K, K

    oof, oofK = np.zeros((len(ky), n)), np.zeros((len(ky), n))
    for tr, te in StratifiedKFold(args.shots, shuffle=True, random_state=0).split(kt, ky):
        m = fit([kt[i] for i in tr], ke[tr], ky[tr])
        oof[te], oofK[te] = score(m, [kt[i] for i in te], ke[te])
    T = minimize_scalar(lambda t: -np.log(softmax(oof, t)[np.arange(len(ky)), ky] + 1e-12).mean(),
                        bounds=(0.01, 5), method="bounded").x
    po = softmax(oof, T)
    comb_oof = np.sort(po.max(1) + oofK[np.arange(len(ky)), po.argmax(1)])
    m = fit(kt, ke, ky)
    S, K = score(m, test[0], Q_all)
    P = softmax(S, T)
    top = P.argmax(1)
    comb = P.max(1) + K[np.arange(len(top)), top]
    pval = np.searchsorted(comb_oof, comb) / len(comb_oof)
    exp = np.array([remap.get(c, -1) for c in q_lab])
    ins = exp >= 0
    row = dict(seed=seed, T=round(T, 3), oof_top1=round(100 * (po.argmax(1) == ky).mean(), 1),
               top1_inscope=round(100 * (top[ins] == exp[ins]).mean(), 2))
    for name, sc, taus in (("conf", P.max(1), (0.5, 0.7)), ("pval", pval, (0.02, 0.05, 0.1, 0.2))):
        for tau in taus:
            ok = sc >= tau
            row[f"{name}>={tau}"] = [round(100 * (ok & (top == exp))[ins].mean(), 1),
                                     round(100 * (~ok[~ins]).mean(), 1)]
    out.append(row)
    print(json.dumps(row), flush=True)
keys = [k for k in out[0] if ">=" in k]
print("MEAN " + json.dumps({k: [round(np.mean([r[k][i] for r in out]), 1) for i in (0, 1)]
                            for k in keys} | {"top1_inscope": round(np.mean(
                                [r["top1_inscope"] for r in out]), 2)}))
