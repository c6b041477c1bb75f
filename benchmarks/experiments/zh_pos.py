"""smp2017_ecdt: does adding jieba part-of-speech tags (nr person, ns place, nz proper noun, t time,
m number...) to char n-grams help? Dev top-1 only.

    .venv/bin/python benchmarks/experiments/zh_pos.py --data /work/shared/datasets
"""
import argparse

import jieba.posseg as pseg
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from common import load

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/datasets")
args = ap.parse_args()
texts, y, ids, test, dev = load(args.data, "smp2017_ecdt")
id2i = {k: i for i, k in enumerate(ids)}
qy = np.array([id2i[e] for e in dev[1]])


def pos_tokens(t):
    return [f"#{p.flag}" for p in pseg.lcut(t.lower()) if p.word.strip()]


char = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True).fit(texts)
pos = TfidfVectorizer(tokenizer=pos_tokens, token_pattern=None, lowercase=False,
                      ngram_range=(1, 2), sublinear_tf=True).fit(texts)
Xc, Qc = char.transform(texts), char.transform(dev[0])
Xp, Qp = pos.transform(texts), pos.transform(dev[0])
for wp in (0, 0.25, 0.5, 1.0):
    for C in (1.0, 2.0):
        clf = LinearSVC(C=C).fit(sp.hstack([Xc, Xp * wp]).tocsr(), y)
        acc = (clf.decision_function(sp.hstack([Qc, Qp * wp]).tocsr()).argmax(1) == qy).mean()
        print(f"char1-5 + {wp} x POS 1-2, C={C}: dev {100 * acc:.2f}", flush=True)
