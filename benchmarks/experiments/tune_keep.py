"""Tune with the product's `tune_model` and keep the folder, for the lab scripts' KEFU_LAB_MODEL.

    .venv/bin/python benchmarks/experiments/tune_keep.py FAQ.json OUT_DIR [epochs|-] [lr] [entries_per_batch] [per_entry]
The model lands in OUT_DIR/models/tuned-<kb hash>/ (as `kefu kb tune` would write it under a data dir).
Loss and seed variants for the lab: $KEFU_LAB_TEMP (SupCon temperature), $KEFU_LAB_PROTO (prototype
term's weight), $KEFU_LAB_SEED (batch order and prototype init).
"""
import functools
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from knowledge.formats import read_faq  # noqa: E402
from knowledge.settings import KnowledgeSettings  # noqa: E402
from knowledge import tuning  # noqa: E402
from knowledge.tuning import LEARNING_RATE, tune_model  # noqa: E402

args = sys.argv[1:]
entries = [replace(e, status="published") for e in read_faq(args[0])]
epochs = int(args[2]) if len(args) > 2 and args[2] != "-" else None
lr = float(args[3]) if len(args) > 3 else LEARNING_RATE
per_batch = int(args[4]) if len(args) > 4 else 16
per_entry = int(args[5]) if len(args) > 5 else 4
loss_args = {k: float(os.environ[v]) for k, v in (("temperature", "KEFU_LAB_TEMP"), ("prototype_weight", "KEFU_LAB_PROTO"))
             if v in os.environ}
tuning.supcon_prototype_loss = functools.partial(tuning.supcon_prototype_loss, **loss_args)
t0 = time.time()
result = tune_model(KnowledgeSettings(), entries, args[1], epochs, lr, per_batch, per_entry, progress=True,
                    seed=int(os.environ.get("KEFU_LAB_SEED", "0")))
print(result, f"{time.time() - t0:.0f} s")
