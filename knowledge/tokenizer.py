"""Terms for lexical search over Chinese, English and mixed text.

The default embedding model barely sees Chinese characters, so Chinese relies on these terms:
jieba words plus character unigrams and bigrams (robust to segmentation mistakes and typos).
Latin-script text gives lowercased words plus character n-grams inside word boundaries
(robust to inflection and misspelling). Terms carry a prefix so a word never collides with
an n-gram of the same spelling.
"""
from __future__ import annotations

import logging
import re
import unicodedata

__all__ = ["Tokenizer", "cjk_share", "has_cjk", "latin_share"]

# CJK unified ideographs (+ extension A and compatibility ideographs): the runs jieba segments.
_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# a CJK run, or a word of other letters/digits (CJK excluded, else "iphone退款" is one word)
_RUNS = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+(?:'[^\W_{_CJK}]+)*)")
_CJK_CHAR = re.compile(rf"[{_CJK}]")


def cjk_share(text: str) -> float:
    """Fraction of the non-space characters of `text` that are CJK ideographs (0 for empty)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(1 for c in chars if _CJK_CHAR.match(c)) / len(chars)


def latin_share(text: str) -> float:
    """Share of the letters of `text` that are not CJK ideographs (Latin and other alphabets);
    digits, punctuation and emoji count for neither side. 1 when it has no letters at all (the
    model reads digits and symbols, as it reads Latin text)."""
    latin = cjk = 0
    for c in text:
        if _CJK_CHAR.match(c):
            cjk += 1
        elif c.isalpha():
            latin += 1
    return latin / (latin + cjk) if latin + cjk else 1.0


def has_cjk(text: str) -> bool:
    return _CJK_CHAR.search(text) is not None


class Tokenizer:
    """Turns text into lexical terms. Thread-safe; jieba's dictionary loads on first Chinese text."""

    def __init__(self, char_ngrams: tuple[int, int] = (3, 4), cjk_ngrams: tuple[int, int] = (1, 2)) -> None:
        if not 1 <= char_ngrams[0] <= char_ngrams[1] or not 1 <= cjk_ngrams[0] <= cjk_ngrams[1]:
            raise ValueError(f"n-gram ranges must be 1 <= low <= high, got {char_ngrams} and {cjk_ngrams}")
        self._char_ngrams = char_ngrams
        self._cjk_ngrams = cjk_ngrams
        self._jieba = None

    def normalize(self, text: str) -> str:
        # NFKC folds full-width letters/digits (common in Chinese input methods) to ASCII.
        return unicodedata.normalize("NFKC", text).lower()

    def terms(self, text: str) -> list[str]:
        """All terms of `text`, repeated as often as they occur (BM25 counts term frequency)."""
        if not isinstance(text, str):
            raise TypeError(f"text must be str, got {type(text).__name__}")
        out: list[str] = []
        for cjk_run, word in _RUNS.findall(self.normalize(text)):
            if cjk_run:
                self._cjk_terms(cjk_run, out)
            else:
                self._word_terms(word, out)
        return out

    def runs(self, text: str) -> list[tuple[str, str]]:
        """(CJK run, "") or ("", word) pieces of the normalized text, in order."""
        return _RUNS.findall(self.normalize(text))

    def segment(self, run: str) -> list[str]:
        """jieba's words of a CJK run."""
        return self._segment(run)

    def _word_terms(self, word: str, out: list[str]) -> None:
        out.append("w:" + word)
        padded = f" {word} "
        low, high = self._char_ngrams
        if len(word) < low:  # short words ("i", "pc") are covered by the word term alone
            return
        for n in range(low, min(high, len(padded)) + 1):
            out.extend("c:" + padded[i : i + n] for i in range(len(padded) - n + 1))

    def _cjk_terms(self, run: str, out: list[str]) -> None:
        out.extend("w:" + w for w in self._segment(run) if len(w) > 1)
        low, high = self._cjk_ngrams
        for n in range(low, min(high, len(run)) + 1):
            out.extend("z:" + run[i : i + n] for i in range(len(run) - n + 1))

    def load_dictionary(self) -> None:
        """Load jieba's dictionary now (the first Chinese text does it otherwise). Idempotent."""
        if self._jieba is not None:
            return
        import jieba  # imported late: only Chinese text pays for loading its dictionary

        jieba.setLogLevel(logging.WARNING)
        # jieba's shared default instance: its dictionary (~0.6 s to load) is read-only data,
        # and a user dictionary added with jieba.load_userdict then applies here too.
        jieba.dt.initialize()  # locked and idempotent inside jieba
        self._jieba = jieba.dt

    @property
    def dictionary_loaded(self) -> bool:
        return self._jieba is not None

    def _segment(self, run: str) -> list[str]:
        if len(run) == 1:
            return [run]
        if self._jieba is None:
            self.load_dictionary()
        return self._jieba.lcut(run, HMM=True)
