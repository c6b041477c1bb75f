"""Batched search equals one-by-one search; the saved lexical index loads without tokenizing."""
from __future__ import annotations

import threading

import numpy as np
import pytest

from knowledge.faiss_index import FaissIndex
from knowledge.fake_embedder import FakeEmbedder
from knowledge.lexical_index import LexicalIndex
from knowledge.retriever import Retriever
from knowledge.tokenizer import Tokenizer
from tests.knowledge.test_retriever import KB, faq, settings

QUERIES = [
    "I forgot my password", "退款多久到账", "", "cancel order", "人工客服", "我的iphone坏了 warranty",
    "怎么开invoice", "quantum chromodynamics", "   ", "are you open on sunday", "积分", "how do I track my parcel",
    "How do I reset my password?", "修改收货地址", "a", "VAT",
]


def built(cache_dir=None, kb=KB) -> Retriever:
    r = Retriever(settings(), FakeEmbedder(), cache_dir=cache_dir)
    r.build(kb, "v1")
    return r


class TestBatchEqualsSingle:
    def test_fresh_index(self):
        r = built()
        assert r.search_batch(QUERIES) == [r.search(q) for q in QUERIES]

    def test_vectors_encoded_beforehand_give_the_same_results(self):
        r = built()
        vectors = r.encode_queries(QUERIES)  # blank queries get no vector
        assert len(vectors) == sum(1 for q in QUERIES if q.strip())
        assert r.search_batch(QUERIES, vectors=vectors) == r.search_batch(QUERIES)
        with pytest.raises(ValueError, match="vectors for"):
            r.search_batch(QUERIES, vectors=vectors[:-1])

    def test_after_edits_with_pending_and_removed_documents(self):
        r = built()
        r.upsert(faq("gift", "Can I buy a gift card?", "gift card purchase", "礼品卡"))
        r.remove("hours")
        r.upsert(faq("hours", "When do you open?", "opening hours on holidays"))
        queries = [*QUERIES, "buy a gift card", "礼品卡", "opening hours"]
        assert r.search_batch(queries) == [r.search(q) for q in queries]

    def test_large_kb_with_compiled_lexical_matrix(self):
        # over 64 phrasings: the lexical index scores from its compiled sparse matrix
        kb = KB + [faq(f"extra{i}", f"extra question number {i}", f"another phrasing {i}", f"第{i}个问题")
                   for i in range(40)]
        r = built(kb=kb)
        queries = [*QUERIES, "extra question number 7", "第12个问题", "another phrasing 3 password"]
        batch = r.search_batch(queries)
        assert batch == [r.search(q) for q in queries]
        assert batch[-3].top.entry_id == "extra7"


class TestLexicalBatch:
    def test_scores_batch_rows_equal_single_scores(self):
        tok = Tokenizer()
        idx = LexicalIndex(tok)
        texts = [f"document {i} about {w}" for i, w in enumerate(["refund", "退款", "password", "密码"] * 30)]
        idx.add(list(range(len(texts))), texts)
        idx.add([500, 501], ["late refund document", "新加的退款文档"])  # pending, scored in Python
        queries = ["refund", "退款 password", "", "zzzz", "document 7 about password"]
        for q, scores in zip(queries, idx.scores_batch(queries)):
            single = idx.scores(q)
            ids = np.array([500, 501, 0, 1, 2, 3], dtype=np.int64)
            np.testing.assert_array_equal(scores.of(ids), single.of(ids))
            assert [a.tolist() for a in scores.top(10)] == [a.tolist() for a in single.top(10)]
        assert idx.scores_batch([""])[0].top(5)[0].size == 0


class TestLexicalPersistence:
    def test_loaded_index_scores_like_the_saved_one_without_tokenizing_documents(self, tmp_path):
        idx = LexicalIndex(Tokenizer())
        texts = [f"question {i} about refunds and passwords" for i in range(100)] + ["如何申请退款", "修改密码"]
        idx.add(list(range(len(texts))), texts)
        idx.remove([3, 4])
        idx.add([200], ["pending after the compile"])
        idx.save(tmp_path)

        class Counting(Tokenizer):
            calls = 0

            def terms(self, text):
                Counting.calls += 1
                return super().terms(text)

        loaded = LexicalIndex.load(tmp_path, Counting())
        assert Counting.calls == 0 and len(loaded) == len(idx) and 3 not in loaded and 200 in loaded
        for q in ["question 5 refunds", "退款", "pending compile", "passwords"]:
            a, b = idx.scores(q), loaded.scores(q)
            assert [x.tolist() for x in a.top(20)] == [x.tolist() for x in b.top(20)]
        loaded.add([300], ["a new document after loading"])
        assert loaded.scores("new document after loading").top(1)[0].tolist() == [300]

    def test_cached_retriever_build_tokenizes_nothing_and_searches_alike(self, tmp_path, monkeypatch):
        first = built(cache_dir=tmp_path)
        calls = []
        original = Tokenizer.terms
        monkeypatch.setattr(Tokenizer, "terms", lambda self, text: calls.append(text) or original(self, text))
        again = built(cache_dir=tmp_path)
        assert calls == []
        assert again.search_batch(QUERIES) == first.search_batch(QUERIES)

    def test_cache_without_lexical_files_still_loads(self, tmp_path):
        first = built(cache_dir=tmp_path)
        for f in [*(tmp_path / "indexes").glob("*/lexical.json"), *(tmp_path / "indexes").glob("*/lexical.npz")]:
            f.unlink()
        emb = FakeEmbedder()
        again = Retriever(settings(), emb, cache_dir=tmp_path)
        again.build(KB, "v1")
        assert emb.calls == 0 and again.search_batch(QUERIES) == first.search_batch(QUERIES)

    def test_corrupt_lexical_file_rebuilds(self, tmp_path, caplog):
        built(cache_dir=tmp_path)
        for f in (tmp_path / "indexes").glob("*/lexical.npz"):
            f.write_bytes(b"not a zip")
        r = built(cache_dir=tmp_path)  # rebuilt (from the cached vectors) and saved again
        assert "ignoring unreadable cached index" in caplog.text
        assert r.search("I forgot my password").top.entry_id == "password"
        caplog.clear()
        built(cache_dir=tmp_path)
        assert "unreadable" not in caplog.text


class TestJiebaPreload:
    def joined(self) -> None:
        for t in threading.enumerate():
            if t.name == "kefu-jieba":
                t.join(30)

    def test_cached_chinese_kb_loads_the_dictionary_in_the_background(self, tmp_path):
        built(cache_dir=tmp_path)
        r = built(cache_dir=tmp_path)
        self.joined()
        assert r._tokenizer.dictionary_loaded

    def test_english_kb_never_loads_it(self, tmp_path):
        english = [e for e in KB if e.id in ("password", "hours")]
        built(cache_dir=tmp_path, kb=english)
        r = built(cache_dir=tmp_path, kb=english)
        self.joined()
        assert not r._tokenizer.dictionary_loaded


class TestFaissLookups:
    def test_vectors_of_unknown_or_removed_ids_fail_and_negative_ids_are_rejected(self):
        index = FaissIndex(8)
        vecs = np.eye(8, dtype=np.float32)[:3]
        index.add(np.array([5, 9, 2]), vecs)
        np.testing.assert_array_equal(index.vectors(np.array([2, 5])), vecs[[2, 0]])
        index.remove(np.array([9]))
        for missing in ([9], [100], [5, 7]):
            with pytest.raises(KeyError):
                index.vectors(np.array(missing))
        with pytest.raises(ValueError, match=">= 0"):
            index.add(np.array([-3]), vecs[:1])
