"""Feature blocks of the intent head: char n-gram and word TF-IDF plus weighted embeddings.

TF-IDF state is kept as plain vocabularies and idf arrays, so a saved head rebuilds its
vectorizers without unpickling anything.
"""
from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, Sequence

import numpy as np
from scipy import sparse

if TYPE_CHECKING:  # scikit-learn loads only with a head, not with every import of the retriever
    from sklearn.feature_extraction.text import TfidfVectorizer

__all__ = ["HeadFeatures", "entry_max_cos", "softmax"]

_WORD = r"(?u)\b\w+\b"  # keeps one-letter words ("i", "a"): short questions need them
_CHAR = {"analyzer": "char_wb", "ngram_range": (1, 5), "lowercase": False, "sublinear_tf": True,
         "dtype": np.float32}
_WORDS = {"analyzer": "word", "token_pattern": _WORD, "ngram_range": (1, 2), "lowercase": False,
          "sublinear_tf": True, "dtype": np.float32}
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    # NFKC folds full-width letters/digits typed with Chinese input methods
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


class HeadFeatures:
    """hstack(char_wb 1-5 TF-IDF, word 1-2 TF-IDF, w_emb x embedding)."""

    def __init__(self, char: "TfidfVectorizer", word: "TfidfVectorizer | None", w_emb: float) -> None:
        self.char, self.word, self.w_emb = char, word, float(w_emb)

    @classmethod
    def fit(cls, texts: Sequence[str], w_emb: float) -> "HeadFeatures":
        from sklearn.feature_extraction.text import TfidfVectorizer

        norm = [normalize(t) for t in texts]
        char = TfidfVectorizer(**_CHAR).fit(norm)
        # the word block only helps where words are space-separated; Chinese has char n-grams
        word = TfidfVectorizer(**_WORDS).fit(norm) if w_emb > 0 else None
        return cls(char, word, w_emb)

    def transform(self, texts: Sequence[str], embeddings: np.ndarray | None) -> sparse.csr_matrix:
        norm = [normalize(t) for t in texts]
        blocks = [_tfidf(self.char, norm)]
        if self.word is not None:
            blocks.append(_tfidf(self.word, norm))
        if self.w_emb > 0:
            if embeddings is None or len(embeddings) != len(texts):
                raise ValueError("this head uses embeddings: pass one row per text")
            blocks.append(sparse.csr_matrix(np.asarray(embeddings, dtype=np.float32) * self.w_emb))
        return sparse.hstack(blocks, format="csr", dtype=np.float32)

    # -- persistence -----------------------------------------------------------------------------

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict[str, list[str]]]:
        arrays, vocab = {"char_idf": self.char.idf_.astype(np.float64)}, {"char": _terms(self.char)}
        if self.word is not None:
            arrays["word_idf"] = self.word.idf_.astype(np.float64)
            vocab["word"] = _terms(self.word)
        return arrays, vocab

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], vocab: dict[str, list[str]], w_emb: float) -> "HeadFeatures":
        char = _rebuild(_CHAR, vocab["char"], arrays["char_idf"])
        word = _rebuild(_WORDS, vocab["word"], arrays["word_idf"]) if "word" in vocab else None
        return cls(char, word, w_emb)


def _tfidf(vectorizer: "TfidfVectorizer", texts: Sequence[str]) -> sparse.csr_matrix:
    """What `vectorizer.transform(texts)` gives (sublinear tf x idf, l2-normalised rows), without
    scikit-learn's per-call input validation, which costs ~0.7 ms: more than the arithmetic for
    the few short questions a search has."""
    analyze = vectorizer.__dict__.get("_kefu_analyzer")
    if analyze is None:
        analyze = vectorizer.__dict__["_kefu_analyzer"] = vectorizer.build_analyzer()
    vocab, idf = vectorizer.vocabulary_, vectorizer.idf_
    indptr, indices, counts = [0], [], []
    for text in texts:
        row: dict[int, int] = {}
        for term in analyze(text):
            col = vocab.get(term)
            if col is not None:
                row[col] = row.get(col, 0) + 1
        cols = sorted(row)
        indices.extend(cols)
        counts.extend(row[c] for c in cols)
        indptr.append(len(indices))
    cols, ptr = np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int32)
    data = (np.log(np.asarray(counts, dtype=np.float64)) + 1.0) * idf[cols]
    rows = np.repeat(np.arange(len(texts)), np.diff(ptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=len(texts)))
    data /= np.where(norms > 0, norms, 1.0)[rows]
    return sparse.csr_matrix((data.astype(np.float32), cols, ptr), shape=(len(texts), len(idf)))


def _terms(vectorizer: "TfidfVectorizer") -> list[str]:
    """Terms in column order."""
    out = [""] * len(vectorizer.vocabulary_)
    for term, col in vectorizer.vocabulary_.items():
        out[col] = term
    return out


def _rebuild(params: dict, terms: list[str], idf: np.ndarray) -> "TfidfVectorizer":
    from sklearn.feature_extraction.text import TfidfVectorizer

    v = TfidfVectorizer(**params, vocabulary={t: i for i, t in enumerate(terms)})
    v._validate_vocabulary()  # sets vocabulary_ from the fixed vocabulary, as fit would
    v.idf_ = idf
    return v


def entry_max_cos(queries: np.ndarray, phrasings: np.ndarray, labels: np.ndarray, n_entries: int,
                  chunk: int = 1024) -> np.ndarray:
    """(n, n_entries): per entry, the best cosine between each query and its phrasings (-1 if none)."""
    order = np.argsort(labels, kind="stable")
    x, y = phrasings[order], labels[order]
    present, starts = np.unique(y, return_index=True)
    out = np.full((len(queries), n_entries), -1.0, dtype=np.float32)
    for i in range(0, len(queries), chunk):
        sims = queries[i:i + chunk] @ x.T
        out[i:i + chunk][:, present] = np.maximum.reduceat(sims, starts, axis=1)
    return out


def softmax(z: np.ndarray, t: float = 1.0) -> np.ndarray:
    z = np.asarray(z, dtype=np.float64) / t
    z = z - z.max(1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(1, keepdims=True)
