"""Splitting under byte (WeChat) and UTF-16 (Telegram) limits never breaks a character."""
from __future__ import annotations

from connectors.text_split import split_text, utf8_len, utf16_len


def test_utf8_parts_stay_under_the_limit_and_rejoin_exactly() -> None:
    text = "保修条款：" + "😀 第一条，签收后一年内免费维修。" * 200
    parts = split_text(text, 2000, utf8_len)
    assert len(parts) > 1 and all(utf8_len(p) <= 2000 for p in parts)
    assert "".join(parts) == text


def test_cuts_prefer_a_line_break() -> None:
    text = "a" * 60 + "\n" + "b" * 60
    assert split_text(text, 100) == ["a" * 60 + "\n", "b" * 60]


def test_utf16_counts_emoji_as_two_units() -> None:
    parts = split_text("😀" * 3000, 4096, utf16_len)
    assert [utf16_len(p) for p in parts] == [4096, 1904]


def test_short_text_is_one_part() -> None:
    assert split_text("你好", 2000, utf8_len) == ["你好"]
