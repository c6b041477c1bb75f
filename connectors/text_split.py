"""Splitting long answers under a platform's limit without cutting a character in two.

Telegram counts UTF-16 code units (4096); WeChat and WeCom count UTF-8 bytes (2048). Cuts prefer
a paragraph, then a line, then a sentence end, so each part still reads well on its own.
"""
from __future__ import annotations

from typing import Callable

__all__ = ["split_text", "utf8_len", "utf16_len"]

_BREAKS = ("\n\n", "\n", "。", "！", "？", ". ", "! ", "? ", "；", "，", ", ", " ")


def utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Parts of `text`, each with measure(part) <= limit; joined they give the text back."""
    if limit < 4:
        raise ValueError("limit must leave room for at least one character")
    parts: list[str] = []
    rest = text
    while measure(rest) > limit:
        cut = _longest_prefix(rest, limit, measure)
        head = rest[:cut]
        for mark in _BREAKS:
            at = head.rfind(mark)
            if at > cut // 2:  # only if it keeps the part reasonably long
                cut = at + len(mark)
                break
        parts.append(rest[:cut])
        rest = rest[cut:]
    if rest or not parts:
        parts.append(rest)
    return parts


def _longest_prefix(text: str, limit: int, measure: Callable[[str], int]) -> int:
    """Largest n with measure(text[:n]) <= limit (binary search: measure grows with n)."""
    low, high = 1, len(text)
    while low < high:
        mid = (low + high + 1) // 2
        if measure(text[:mid]) <= limit:
            low = mid
        else:
            high = mid - 1
    return low
