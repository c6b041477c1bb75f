"""Fine-tune MiniLM on the KB's own phrasings (no queries used), then cache embeddings.

Loss: supervised contrastive (SupCon, all same-entry phrasings in the batch are positives)
plus optionally a cosine-softmax (normalised prototype) classification loss. Batches are drawn
so each holds `per_cls` phrasings of `bsz // per_cls` distinct entries.

    .venv/bin/python benchmarks/experiments/finetune.py --data /work/shared/datasets \
        --dataset banking77_10shot --epochs 5
Writes /tmp/kefu_research/ft/<dataset>_<tag>/ (a sentence-transformers folder) and caches
embeddings of faq / test / dev texts under tag ft_<dataset>_<tag>.
"""
import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from common import embed, get_model, load

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/datasets")
ap.add_argument("--dataset", required=True)
ap.add_argument("--epochs", type=float, default=1.0)
ap.add_argument("--bsz", type=int, default=64)
ap.add_argument("--per_cls", type=int, default=4)
ap.add_argument("--lr", type=float, default=5e-5)
ap.add_argument("--temp", type=float, default=0.05)
ap.add_argument("--ce", type=float, default=0.0, help="weight of cosine-softmax CE loss")
ap.add_argument("--max_len", type=int, default=48)
ap.add_argument("--tag", default="supcon")
ap.add_argument("--max_seconds", type=float, default=600)
ap.add_argument("--add_cjk", action="store_true",
                help="add the KB's CJK characters missing from the vocabulary as new tokens")
args = ap.parse_args()

torch.manual_seed(0)
rng = np.random.default_rng(0)
texts, y, ids, test, dev = load(args.data, args.dataset)
n_cls = len(ids)
model = get_model()
model.max_seq_length = args.max_len
if args.add_cjk:
    import re

    tok = model.tokenizer
    vocab = tok.get_vocab()
    chars = sorted({c for t in texts for c in t if re.match(r"[\u4e00-\u9fff]", c)} - set(vocab))
    emb_layer = model[0].auto_model.get_input_embeddings()
    ref = emb_layer.weight.detach()
    tok.add_tokens(chars)
    model[0].auto_model.resize_token_embeddings(len(tok))
    with torch.no_grad():  # new rows: random directions at the typical norm of existing rows
        w = model[0].auto_model.get_input_embeddings().weight
        new = torch.randn(len(chars), w.shape[1]) * ref.std(0) + ref.mean(0)
        w[-len(chars):] = new
    print(f"added {len(chars)} CJK tokens", flush=True)
model.train()
proto = torch.nn.Parameter(torch.tensor(
    np.stack([embed(texts)[y == c].mean(0) for c in range(n_cls)]), dtype=torch.float32))
params = list(model.parameters()) + ([proto] if args.ce else [])
opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
by_cls = [np.where(y == c)[0] for c in range(n_cls)]
steps = int(args.epochs * len(texts) / args.bsz)
sched = torch.optim.lr_scheduler.LambdaLR(
    opt, lambda s: min(1.0, (s + 1) / max(1, steps // 10)) * max(0.0, 1 - s / steps))
k = args.bsz // args.per_cls


def batch():
    cs = rng.choice(n_cls, size=min(k, n_cls), replace=False)
    idx = np.concatenate([rng.choice(by_cls[c], size=min(args.per_cls, len(by_cls[c])),
                                     replace=False) for c in cs])
    return idx


t0 = time.time()
for step in range(steps):
    idx = batch()
    feats = model.tokenize([texts[i] for i in idx])
    out = model(feats)["sentence_embedding"]
    z = F.normalize(out, dim=-1)
    lab = torch.tensor(y[idx])
    sim = z @ z.T / args.temp
    eye = torch.eye(len(idx), dtype=torch.bool)
    sim = sim.masked_fill(eye, -1e9)
    pos = (lab[:, None] == lab[None, :]) & ~eye
    logp = sim - torch.logsumexp(sim, dim=1, keepdim=True)
    loss = -(logp * pos).sum(1).div(pos.sum(1).clamp(min=1)).mean()
    if args.ce:
        logits = z @ F.normalize(proto, dim=-1).T / args.temp
        loss = loss + args.ce * F.cross_entropy(logits, lab)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()
    sched.step()
    if step % 20 == 0:
        print(f"step {step}/{steps} loss {loss.item():.3f} {time.time() - t0:.0f}s", flush=True)
    if time.time() - t0 > args.max_seconds:
        print("time limit reached", flush=True)
        break
train_s = time.time() - t0
model.eval()
out_dir = f"/tmp/kefu_research/ft/{args.dataset}_{args.tag}"
model.save(out_dir)
tag = f"ft_{args.dataset}_{args.tag}"
embed(texts, tag=tag, path=out_dir)
embed(test[0], tag=tag, path=out_dir)
if dev:
    embed(dev[0], tag=tag, path=out_dir)
print(f"TRAIN_SECONDS {train_s:.1f} steps {step + 1} -> {out_dir}", flush=True)
