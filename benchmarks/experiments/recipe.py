"""Evaluate one full recipe: features -> LinearSVC (+ kNN fusion) -> CV-calibrated confidence.

Everything that is chosen (temperature, default threshold) comes from the KB itself via 5-fold CV
over phrasings; the CLINC150 out-of-scope threshold is additionally chosen on dev_queries.json.
Test queries are only scored.

    .venv/bin/python benchmarks/experiments/recipe.py --data /work/shared/datasets \
        --dataset clinc150 [--emb ft_clinc150_supcon] [--w_emb 1 --C 1 --alpha 1]
"""
import argparse
import json
import time

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from common import embed, get_model, load
from features import Featurizer, class_max_sim, softmax

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/datasets")
ap.add_argument("--dataset", required=True)
ap.add_argument("--emb", default="minilm", help="embedding cache tag (ft_<ds>_<tag> = fine-tuned)")
ap.add_argument("--w_emb", type=float, default=1.0)
ap.add_argument("--w_word", type=float, default=1.0)
ap.add_argument("--w_pos", type=float, default=0.0)
ap.add_argument("--C", type=float, default=1.0)
ap.add_argument("--alpha", type=float, default=1.0)
ap.add_argument("--default_tau", type=float, default=0.5)
ap.add_argument("--latency", action="store_true")
ap.add_argument("--folds", type=int, default=5)
args = ap.parse_args()

path = None if args.emb == "minilm" else f"/tmp/kefu_research/ft/{args.emb[3:]}"
texts, y, ids, test, dev = load(args.data, args.dataset)
n_cls = len(ids)
id2i = {k: i for i, k in enumerate(ids)}
E = embed(texts, args.emb, path)
fcfg = dict(char_range=(1, 5), word_range=(1, 2), w_char=1, w_word=args.w_word, w_emb=args.w_emb,
            w_pos=args.w_pos)


def fit(tr_texts, tr_E, tr_y):
    f = Featurizer(**fcfg).fit(tr_texts)
    clf = LinearSVC(C=args.C).fit(f.transform(tr_texts, tr_E), tr_y)
    return f, clf, tr_E, tr_y


def scores(model, q_texts, q_E, with_knn=False):
    f, clf, kE, ky = model
    K = class_max_sim(q_E, kE, ky, n_cls)
    S = clf.decision_function(f.transform(q_texts, q_E)) + args.alpha * K
    return (S, K) if with_knn else S


# 1) out-of-fold scores over the KB phrasings -> temperature + default-threshold statistics
t0 = time.time()
oof = np.zeros((len(texts), n_cls), dtype=np.float32)
oofK = np.zeros((len(texts), n_cls), dtype=np.float32)
for tr, te in StratifiedKFold(args.folds, shuffle=True, random_state=0).split(texts, y):
    m = fit([texts[i] for i in tr], E[tr], y[tr])
    oof[te], oofK[te] = scores(m, [texts[i] for i in te], E[te], with_knn=True)
nll = lambda t: -np.log(softmax(oof, t)[np.arange(len(y)), y] + 1e-12).mean()
T = minimize_scalar(nll, bounds=(0.01, 5), method="bounded").x
cv_s = time.time() - t0
p_oof = softmax(oof, T)
oof_acc = (p_oof.argmax(1) == y).mean()
# KB-only statistics for out-of-scope scoring: per-entry mean/std of the out-of-fold
# nearest-variant cosine, and the out-of-fold distribution of the combined in-scope score.
rows = np.arange(len(y))
kn_true = oofK[rows, y]
mu = np.array([kn_true[y == c].mean() for c in range(n_cls)])
sd = np.array([kn_true[y == c].std() + 1e-3 for c in range(n_cls)])
oof_top = p_oof.argmax(1)
oof_comb = np.sort(p_oof.max(1) + oofK[rows, oof_top])
# 2) final model on the whole KB
t0 = time.time()
model = fit(texts, E, y)
fit_s = time.time() - t0


def evaluate(split):
    qt, qexp = split
    qE = embed(qt, args.emb, path)
    S, K = scores(model, qt, qE, with_knn=True)
    P = softmax(S, T)
    exp = np.array([id2i[e] if e is not None else -1 for e in qexp])
    top = P.argmax(1)
    ps = np.sort(P, 1)
    kt = K[np.arange(len(top)), top]
    z = (kt - mu[top]) / sd[top]
    oos_scores = {"maxprob": P.max(1), "margin": ps[:, -1] - ps[:, -2],
                  "knn_top": kt, "knn_max": K.max(1), "knn_z": z,
                  # conformal p-value of the combined score against the KB's out-of-fold scores
                  "pval": np.searchsorted(oof_comb, P.max(1) + kt) / len(oof_comb)}
    for w in (0.5, 1, 2, 4):
        oos_scores[f"maxprob+{w}knn"] = P.max(1) + w * kt
        oos_scores[f"maxprob+{w / 10}z"] = P.max(1) + w / 10 * z
    return P, exp, oos_scores


def ece(conf, correct, bins=10):
    b = np.minimum((conf * bins).astype(int), bins - 1)
    return sum(abs(conf[b == i].mean() - correct[b == i].mean()) * (b == i).mean()
               for i in range(bins) if (b == i).any())


res = dict(dataset=args.dataset, emb=args.emb, fcfg=str(fcfg), C=args.C, alpha=args.alpha,
           T=round(T, 4), oof_top1=round(100 * oof_acc, 2), cv_seconds=round(cv_s, 1),
           fit_seconds=round(fit_s, 1))
P, exp, oos_t = evaluate(test)
ins = exp >= 0
pred, conf = P.argmax(1), P.max(1)
res["test_top1_inscope"] = round(100 * (pred[ins] == exp[ins]).mean(), 2)
res["test_ece_inscope"] = round(ece(conf[ins], pred[ins] == exp[ins]), 4)


def oos_metrics(pred, conf, exp, tau):
    ins = exp >= 0
    answered = conf >= tau
    return (100 * ((pred == exp) & answered)[ins].mean(), 100 * (~answered[~ins]).mean())


if (~ins).any():
    tau = args.default_tau
    res["test_default_tau"] = tau
    res["test_inacc_oosrec_default"] = [round(v, 2) for v in oos_metrics(pred, conf, exp, tau)]
    # answer / clarify / no_answer with defaults only (no dev): in scope iff pval >= 0.05;
    # answer iff also conf >= 0.5; else clarify with the top entries up to 0.8 mass (max 3)
    pv = oos_t["pval"]
    order = np.argsort(-P, 1)[:, :3]
    cum = np.cumsum(np.take_along_axis(P, order, 1), 1)
    kk = 1 + (cum < 0.8).sum(1).clip(max=2)
    in_list = np.array([exp[i] in order[i, : kk[i]] for i in range(len(exp))])
    ans, cla = (pv >= 0.05) & (conf >= 0.5), (pv >= 0.05) & (conf < 0.5)
    r = lambda m, sel: round(100 * m[sel].mean(), 2)
    res["decisions_default"] = dict(
        inscope_answer_right=r(ans & (pred == exp), ins), inscope_answer_wrong=r(ans & (pred != exp), ins),
        inscope_clarify_has_right=r(cla & in_list, ins), inscope_clarify_without=r(cla & ~in_list, ins),
        inscope_no_answer=r(pv < 0.05, ins), oos_no_answer=r(pv < 0.05, ~ins),
        oos_clarify=r(cla, ~ins), oos_answer=r(ans, ~ins), mean_clarify_len=round(float(kk[cla].mean()), 2))
    for alpha in (0.02, 0.05, 0.1, 0.2):  # no-dev default: reject below the alpha-quantile
        res[f"test_pval>={alpha}"] = [round(v, 2) for v in
                                      oos_metrics(pred, oos_t["pval"], exp, alpha)]
    if dev is not None:
        Pd, expd, oos_d = evaluate(dev)
        for name, sd in oos_d.items():
            cands = np.unique(np.round(sd, 3))
            best = max(cands, key=lambda t: sum(oos_metrics(Pd.argmax(1), sd, expd, t)))
            dv = oos_metrics(Pd.argmax(1), sd, expd, best)
            tv = oos_metrics(pred, oos_t[name], exp, best)
            res[f"oos_{name}"] = dict(tau=float(best), dev=[round(v, 2) for v in dv],
                                      test=[round(v, 2) for v in tv])
            # target-shaped rule (dev only): best in-scope accuracy with dev OOS recall >= 92
            ok = [t for t in cands if oos_metrics(Pd.argmax(1), sd, expd, t)[1] >= 92]
            if ok:
                t92 = max(ok, key=lambda t: oos_metrics(Pd.argmax(1), sd, expd, t)[0])
                res[f"oos92_{name}"] = dict(
                    tau=float(t92), dev=[round(v, 2) for v in oos_metrics(Pd.argmax(1), sd, expd, t92)],
                    test=[round(v, 2) for v in oos_metrics(pred, oos_t[name], exp, t92)])
        pick = max((k for k in res if k.startswith("oos_")), key=lambda k: sum(res[k]["dev"]))
        res["oos_chosen_on_dev"] = pick
        pick92 = max((k for k in res if k.startswith("oos92_")), key=lambda k: res[k]["dev"][0])
        res["oos92_chosen_on_dev"] = pick92
if args.latency:
    st = get_model(path)
    lat = []
    for q in test[0][:300]:
        t1 = time.perf_counter()
        qe = st.encode([q], normalize_embeddings=True)
        softmax(scores(model, [q], qe), T)
        lat.append(1000 * (time.perf_counter() - t1))
    res["latency_ms_p50_p95"] = [round(float(np.percentile(lat, 50)), 1),
                                 round(float(np.percentile(lat, 95)), 1)]
print("RESULT " + json.dumps(res), flush=True)
