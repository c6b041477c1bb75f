"""Which language a customer wrote in: enough to answer in the same one."""
from __future__ import annotations

import re

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def written_language(text: str) -> str:
    """'zh' when the text has Chinese characters, 'en' when it has only Latin letters, else ''."""
    if _CJK.search(text):
        return "zh"
    if _LATIN.search(text):
        return "en"
    return ""


def detect_language(text: str, fallback: str = "zh") -> str:
    """The text's language; `fallback` (or 'zh') when it shows none (digits, emoji)."""
    return written_language(text) or (fallback if fallback in ("zh", "en") else "zh")
