"""The intent head's TF-IDF transform equals scikit-learn's, without its per-call overhead."""
from __future__ import annotations

import numpy as np

from knowledge.head_features import HeadFeatures, _tfidf, normalize

PHRASINGS = [
    "How do I return an item?", "return policy", "退货怎么办", "怎么申请退款", "where is my parcel",
    "track my order", "快递几天能到", "Can I pay with PayPal?", "支持信用卡吗", "会员积分怎么用",
]
QUERIES = ["how do I return this?? #12", "退货怎么办呀", "", "zzzz qqq", "What's the PRICE", "我的iphone坏了 warranty"]


def test_tfidf_rows_match_scikit_learn_for_both_blocks():
    features = HeadFeatures.fit(PHRASINGS, w_emb=1.0)
    queries = [normalize(q) for q in QUERIES]
    for vectorizer in (features.char, features.word):
        ours, theirs = _tfidf(vectorizer, queries), vectorizer.transform(queries)
        assert ours.shape == theirs.shape and ours.dtype == np.float32
        np.testing.assert_allclose(ours.toarray(), theirs.toarray(), atol=1e-6)
    assert _tfidf(features.char, [normalize("")]).nnz == 0  # a blank query is an empty row, not NaN


def test_a_head_rebuilt_from_arrays_transforms_like_the_fitted_one():
    features = HeadFeatures.fit(PHRASINGS, w_emb=0.0)
    arrays, vocab = features.to_arrays()
    rebuilt = HeadFeatures.from_arrays(arrays, vocab, 0.0)
    np.testing.assert_array_equal(rebuilt.transform(QUERIES, None).toarray(), features.transform(QUERIES, None).toarray())
