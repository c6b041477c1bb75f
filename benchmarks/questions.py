"""Realistic, non-repeating customer questions made from an FAQ file, for load tests.

Each question is a phrasing of the FAQ (or an out-of-scope question) with the small changes real
customers make (greetings, fillers, punctuation, casing), numbered so that no text repeats and
no cache can answer it.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

_ZH_PREFIX = ["", "", "请问", "你好，", "您好 ", "在吗，", "想问下", "问一下"]
_ZH_SUFFIX = ["", "", "？", "?", "呢", "啊", "呀", "。谢谢"]
_EN_PREFIX = ["", "", "hi, ", "hello ", "quick question: ", "hey ", "excuse me, "]
_EN_SUFFIX = ["", "", "?", "??", " please", " thanks", "!"]
_OUT_OF_SCOPE = [
    "今天天气怎么样", "你们老板是谁", "推荐一部电影", "what's the meaning of life", "can you write me a poem",
    "股票会涨吗", "how tall is mount everest", "帮我写作业", "who won the football game", "附近有什么好吃的",
]


def make_questions(faq_path: Path, count: int, seed: int = 7) -> list[str]:
    entries = json.loads(Path(faq_path).read_text(encoding="utf-8"))
    phrasings = [p for e in entries for p in [e["question"], *e.get("variants", [])]]
    rng = random.Random(seed)
    out: list[str] = []
    for i in range(count):
        base = rng.choice(_OUT_OF_SCOPE) if rng.random() < 0.1 else rng.choice(phrasings)
        if any("\u4e00" <= ch <= "\u9fff" for ch in base):
            text = f"{rng.choice(_ZH_PREFIX)}{base}{rng.choice(_ZH_SUFFIX)}"
        else:
            text = f"{rng.choice(_EN_PREFIX)}{base if rng.random() < 0.7 else base.lower()}{rng.choice(_EN_SUFFIX)}"
        out.append(f"{text} #{i}" if rng.random() < 0.5 else f"{text} ({i})")
    return out
