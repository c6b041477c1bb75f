"""Chinese lexical features on smp2017_ecdt, scored on dev only: char n-grams, jieba words,
pinyin syllable n-grams (ASR homophone errors), class weighting, head ensembles.

    .venv/bin/python benchmarks/experiments/zh_lexical.py --data /work/shared/datasets
"""
import argparse

import numpy as np
import scipy.sparse as sp
from pypinyin import lazy_pinyin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from common import embed, load
from features import class_max_sim, tokens

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/datasets")
ap.add_argument("--split", default="dev", choices=["dev"])
args = ap.parse_args()

texts, y, ids, test, dev = load(args.data, "smp2017_ecdt")
id2i = {k: i for i, k in enumerate(ids)}
qt = dev[0]
qy = np.array([id2i[e] for e in dev[1]])
E, qE = embed(texts), embed(qt)


def py_tokens(t):
    return [s.strip() for s in lazy_pinyin(t.lower()) if s.strip()]


def vec(kind):
    if kind == "char15":
        return TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True)
    if kind == "char13":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    if kind == "char14":
        return TfidfVectorizer(analyzer="char", ngram_range=(1, 4), sublinear_tf=True)
    if kind == "word12":
        return TfidfVectorizer(tokenizer=tokens, token_pattern=None, lowercase=False,
                               ngram_range=(1, 2), sublinear_tf=True)
    if kind == "pinyin13":
        return TfidfVectorizer(tokenizer=py_tokens, token_pattern=None, lowercase=False,
                               ngram_range=(1, 3), sublinear_tf=True)
    raise ValueError(kind)


cache = {}


def block(kind):
    if kind not in cache:
        v = vec(kind).fit(texts)
        cache[kind] = (v.transform(texts), v.transform(qt))
    return cache[kind]


def run(kinds, weights, C=1.0, cw=None, head="svm", w_emb=0.0):
    Xs = [block(k)[0] * w for k, w in zip(kinds, weights)]
    Qs = [block(k)[1] * w for k, w in zip(kinds, weights)]
    if w_emb:
        Xs.append(sp.csr_matrix(E * w_emb))
        Qs.append(sp.csr_matrix(qE * w_emb))
    X, Q = sp.hstack(Xs).tocsr(), sp.hstack(Qs).tocsr()
    clf = (LinearSVC(C=C, class_weight=cw) if head == "svm"
           else LogisticRegression(C=C, max_iter=500, class_weight=cw)).fit(X, y)
    return clf.decision_function(Q)


def acc(D):
    return 100 * (D.argmax(1) == qy).mean()


configs = [
    (["char15"], [1]), (["char13"], [1]), (["char14"], [1]), (["word12"], [1]),
    (["pinyin13"], [1]), (["char15", "word12"], [1, 1]), (["char14", "word12"], [1, 1]),
    (["char15", "pinyin13"], [1, 1]), (["char14", "word12", "pinyin13"], [1, 1, 1]),
    (["char15", "word12", "pinyin13"], [1, 1, 1]),
    (["char15", "word12", "pinyin13"], [1, 0.5, 0.5]),
]
for kinds, w in configs:
    for C in (0.5, 1.0, 2.0):
        for cw in (None, "balanced"):
            print(f"{kinds} w={w} C={C} cw={cw}: svm {acc(run(kinds, w, C, cw)):.2f}", flush=True)
D1 = run(["char15", "word12", "pinyin13"], [1, 1, 1], 1.0)
K = class_max_sim(qE, E, y, len(ids))
print(f"+emb x1: {acc(run(['char15', 'word12', 'pinyin13'], [1, 1, 1], 1.0, w_emb=1.0)):.2f}")
for a in (0.25, 0.5, 1.0):
    print(f"+kNN(MiniLM) a={a}: {acc(D1 + a * K):.2f}")
