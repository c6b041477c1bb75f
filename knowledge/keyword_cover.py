"""Whether a short question's content words all appear in one phrasing of an FAQ entry.

The intent head and its scope model judge a question by how its probability spreads over the
entries. A short Chinese question ("怎么退货", "查物流", "花呗") has few character n-grams, so its
probability spreads thin and the scope model rejects it, although its top entry is right and it
says nothing the entry does not. Every content word (jieba words for Chinese, words otherwise,
without question words and particles) found in one phrasing of the top entry is the evidence a
keyword FAQ bot would answer on; here it only earns a clarify (the customer confirms with one tap)
instead of "I don't know". Out-of-scope questions near the KB's topic keep a word the KB does not
have ("手机壳有没有卖": 手机壳; "can you repair my laptop": repair, laptop).
"""
from __future__ import annotations

import functools
from typing import Iterable

from knowledge.tokenizer import Tokenizer, has_cjk

__all__ = ["KeywordCover", "MAX_WORDS"]

MAX_WORDS = 4  # longer questions say more than keywords can vouch for
_STOP = frozenset("""
我 我们 你 你们 您 他 她 它 的 地 得 了 吗 呢 吧 啊 呀 哦 嘛 么 怎么 怎样 怎么样 如何 怎么办 为什么 为啥 什么 啥
哪 哪里 哪儿 哪些 哪个 多少 几 能 能不能 可以 可不可以 可否 是 是不是 是否 有 有没有 没有 没 要 想 请问 请 一下 下 在
和 与 跟 就 都 还 也 会 这 那 这个 那个 个 给 把 被 让 帮 帮我 我要 我想 需要 现在 已经 还是 一个 多久 时候 为
a an the i me my mine you your we our us is are am was were be been do does did can could would should will
how what when where why which who to of for in on at by it its this that these those have has had please
want need with and or not no any some get there here about from
""".split())


class KeywordCover:
    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer
        # A question is checked against up to three entries, and an entry's phrasings against
        # every unsure question (every query of a `kefu eval`): segment and split each text once.
        self._words = functools.lru_cache(maxsize=4096)(self._content_words)
        self._split = functools.lru_cache(maxsize=65536)(self._split_phrasing)

    def content_words(self, text: str) -> list[str]:
        return list(self._words(text))

    def _content_words(self, text: str) -> tuple[str, ...]:
        words: list[str] = []
        for cjk_run, word in self._tokenizer.runs(text):
            words.extend(self._tokenizer.segment(cjk_run) if cjk_run else [word])
        return tuple(w for w in dict.fromkeys(words) if w not in _STOP)

    def covers(self, text: str, phrasings: Iterable[str]) -> bool:
        """True when `text` has 1-MAX_WORDS content words and one of `phrasings` holds them all."""
        words = self._words(text)
        if not 0 < len(words) <= MAX_WORDS:
            return False
        # all in one phrasing: an entry with many phrasings holds most words somewhere
        return any(all(self._holds(p, w) for w in words) for p in map(self._split, phrasings))

    def _split_phrasing(self, phrasing: str) -> tuple[str, frozenset[str]]:
        return self._tokenizer.normalize(phrasing), frozenset(w for _, w in self._tokenizer.runs(phrasing) if w)

    @staticmethod
    def _holds(phrasing: tuple[str, frozenset[str]], word: str) -> bool:
        """Chinese words anywhere in the text (it has no spaces); other words whole ("hi" is not in "ship")."""
        text, latin = phrasing
        return word in text if has_cjk(word) else word in latin
