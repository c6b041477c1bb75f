"""Grid over lexical+embedding features and linear heads, scored on dev (or CV over variants).

Selection protocol: clinc150 / smp2017_ecdt use dev_queries.json (in-scope top-1);
banking77 / banking77_10shot use 5-fold stratified CV over the KB phrasings themselves.
Test queries are never read by this script.

    .venv/bin/python benchmarks/experiments/linear_grid.py --data /work/shared/datasets --dataset clinc150
"""
import argparse
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from common import embed, load
from features import Featurizer, class_max_sim

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/datasets")
ap.add_argument("--dataset", required=True)
ap.add_argument("--heads", default="svm:0.3,svm:1.0")
args = ap.parse_args()

texts, y, ids, test, dev = load(args.data, args.dataset)
E = embed(texts)
n_cls = len(ids)
if dev is not None:
    id2i = {k: i for i, k in enumerate(ids)}
    keep = [i for i, e in enumerate(dev[1]) if e is not None]
    splits = [(np.arange(len(texts)), [dev[0][i] for i in keep], embed(dev[0])[keep],
               np.array([id2i[dev[1][i]] for i in keep]))]
else:
    skf = StratifiedKFold(5, shuffle=True, random_state=0)
    splits = [(tr, [texts[i] for i in te], E[te], y[te]) for tr, te in skf.split(texts, y)]

feat_grid = [
    dict(char_range=(1, 5), word_range=(1, 2), w_char=1, w_word=1, w_emb=1),
    dict(char_range=(1, 5), word_range=(1, 2), w_char=1, w_word=1, w_emb=2),
    dict(char_range=(1, 5), word_range=(1, 2), w_char=1, w_word=1, w_emb=0),
    dict(char_range=(1, 5), word_range=(1, 1), w_char=1, w_word=0, w_emb=1),
    dict(char_range=(2, 4), word_range=(1, 2), w_char=1, w_word=1, w_emb=1),
]
heads = [(h.split(":")[0], float(h.split(":")[1])) for h in args.heads.split(",")]
alphas = [0.0, 0.5, 1.0, 2.0]

for fc in feat_grid:
    for head, C in heads:
        accs = {a: [] for a in alphas}
        t_fit = []
        for tr, qt, qe, qy in splits:
            tt = [texts[i] for i in tr]
            t0 = time.time()
            f = Featurizer(**fc).fit(tt)
            X = f.transform(tt, E[tr])
            clf = LinearSVC(C=C) if head == "svm" else LogisticRegression(C=C, max_iter=300)
            clf.fit(X, y[tr])
            t_fit.append(time.time() - t0)
            D = clf.decision_function(f.transform(qt, qe))
            if head == "lr":
                D = D - D.mean(1, keepdims=True)
                D = D / D.std()  # put LR logits on a comparable scale for fusion
            K = class_max_sim(qe, E[tr], y[tr], n_cls)
            for a in alphas:
                accs[a].append(((D + a * K).argmax(1) == qy).mean())
        res = " ".join(f"a={a}:{100 * np.mean(v):.2f}" for a, v in accs.items())
        print(f"{args.dataset} {fc} {head} C={C} fit={np.mean(t_fit):.1f}s | {res}", flush=True)
