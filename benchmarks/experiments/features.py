"""Feature blocks shared by the experiments: char n-gram TF-IDF, word/jieba TF-IDF, embeddings."""
from __future__ import annotations

import re

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

_CJK = re.compile(r"[\u4e00-\u9fff]")
_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    """Words: jieba for text containing CJK, regex words otherwise (jieba keeps Latin words)."""
    t = text.lower()
    if _CJK.search(t):
        import jieba

        return [w for w in jieba.lcut(t) if w.strip() and not re.fullmatch(r"\W+", w)]
    return _WORD.findall(t)


def pos_tokens(text: str) -> list[str]:
    """jieba part-of-speech tags (nr person, ns place, nz proper noun, t time, m number...)."""
    import jieba.posseg as pseg

    return [f"#{p.flag}" for p in pseg.lcut(text.lower()) if p.word.strip()]


class Featurizer:
    """Fit TF-IDF blocks on the KB phrasings; transform -> hstack(char, word, w_emb * emb)."""

    def __init__(self, char_range=(1, 5), word_range=(1, 2), w_char=1.0, w_word=1.0, w_emb=1.0,
                 analyzer="char_wb", min_df=1, w_pos=0.0):
        self.char = TfidfVectorizer(analyzer=analyzer, ngram_range=char_range, lowercase=True,
                                    sublinear_tf=True, min_df=min_df) if w_char else None
        self.word = TfidfVectorizer(analyzer=tokens, sublinear_tf=True, min_df=min_df) \
            if w_word and word_range == (1, 1) else (
            TfidfVectorizer(tokenizer=tokens, token_pattern=None, lowercase=False,
                            ngram_range=word_range, sublinear_tf=True, min_df=min_df)
            if w_word else None)
        self.w = (w_char, w_word, w_emb)
        self.w_pos = w_pos
        self.pos = TfidfVectorizer(tokenizer=pos_tokens, token_pattern=None, lowercase=False,
                                   ngram_range=(1, 2), sublinear_tf=True) if w_pos else None

    def fit(self, texts):
        if self.char is not None:
            self.char.fit(texts)
        if self.word is not None:
            self.word.fit(texts)
        if self.pos is not None:
            self.pos.fit(texts)
        return self

    def transform(self, texts, emb=None):
        blocks = []
        if self.char is not None:
            blocks.append(self.char.transform(texts) * self.w[0])
        if self.word is not None:
            blocks.append(self.word.transform(texts) * self.w[1])
        if self.pos is not None:
            blocks.append(self.pos.transform(texts) * self.w_pos)
        if self.w[2] and emb is not None:
            blocks.append(sp.csr_matrix(emb * self.w[2]))
        return sp.hstack(blocks).tocsr()


def class_max_sim(q: np.ndarray, x: np.ndarray, y: np.ndarray, n_cls: int) -> np.ndarray:
    """Per-class maximum cosine (nearest variant of each entry); q, x normalised."""
    s = q @ x.T
    out = np.full((len(q), n_cls), -1.0, dtype=np.float32)
    for c in range(n_cls):
        m = y == c
        if m.any():
            out[:, c] = s[:, m].max(1)
    return out


def softmax(z: np.ndarray, t: float = 1.0) -> np.ndarray:
    z = z / t
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)
