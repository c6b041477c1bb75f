"""A dev split for banking77_10shot made of BANKING77 *training* phrasings outside the 10 shots.

20 per entry (1,540 questions), none of them a test query, so tuning choices for few-shot KBs can be
made without looking at queries.json:

    .venv/bin/python benchmarks/experiments/b77_fewshot_dev.py /work/shared/datasets /tmp/b77_10shot_dev.json
"""
import json
import random
import sys

data, out = sys.argv[1], sys.argv[2]
full = json.load(open(f"{data}/banking77/faq.json", encoding="utf-8"))
shots = {e["id"]: {e["question"], *e["variants"]} for e in json.load(open(f"{data}/banking77_10shot/faq.json"))}
test = {q["text"] for q in json.load(open(f"{data}/banking77/queries.json", encoding="utf-8"))}
rng = random.Random(7)
dev = []
for e in full:
    rest = [t for t in [e["question"], *e["variants"]] if t not in shots[e["id"]] and t not in test]
    rng.shuffle(rest)
    dev += [{"text": t, "expected": e["id"]} for t in rest[:20]]
json.dump(dev, open(out, "w", encoding="utf-8"), ensure_ascii=False)
print(f"{len(dev)} dev questions -> {out}")
