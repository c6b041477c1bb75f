"""Encode every dataset's phrasings, test and dev queries once with MiniLM (cached .npy)."""
import argparse

from common import DATASETS, embed, load

ap = argparse.ArgumentParser()
ap.add_argument("--data", default="/work/shared/datasets")
args = ap.parse_args()
for name in DATASETS:
    texts, y, ids, test, dev = load(args.data, name)
    embed(texts)
    embed(test[0])
    if dev:
        embed(dev[0])
