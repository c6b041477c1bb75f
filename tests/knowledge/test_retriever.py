"""Retriever: search, decisions, incremental updates, persistence, index choice, languages."""
from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest

from knowledge.fake_embedder import FakeEmbedder
from knowledge.fusion import LinearFusion
from knowledge.retriever import Retriever
from knowledge.settings import KnowledgeSettings
from knowledge.types import FaqEntry


def faq(id: str, question: str, *variants: str, status: str = "published") -> FaqEntry:
    return FaqEntry(id=id, question=question, answer=f"answer of {id}", variants=variants, status=status)


KB = [
    faq("password", "How do I reset my password?", "I forgot my password", "change login password",
        "password reset link not working"),
    faq("hours", "What are your opening hours?", "when do you open", "store opening times", "are you open on sunday"),
    faq("refund", "如何申请退款", "退款多久到账", "我要退钱", "怎么退款"),
    faq("shipping", "快递几天能到", "发货要多久", "什么时候发货", "物流查询"),
    faq("iphone", "iPhone 保修政策", "苹果手机保修多久", "iphone warranty", "iPhone 坏了怎么保修"),
    faq("invoice", "How can I get an invoice?", "开发票", "需要发票 invoice", "request a VAT invoice"),
    faq("address", "How do I change my delivery address?", "update shipping address", "修改收货地址",
        "change address after order"),
    faq("cancel", "How do I cancel my order?", "cancel order", "取消订单", "我不想要了怎么取消"),
    faq("human", "How can I talk to a human agent?", "人工客服", "transfer to a person", "联系客服"),
    faq("points", "会员积分怎么用", "积分兑换", "how to use membership points", "do points expire"),
]


class BlindEmbedder(FakeEmbedder):
    """Every text gets the same vector: dense search carries no information, only lexical does."""

    def encode(self, texts, progress=False):
        super().encode(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        out[:, 0] = 1.0
        return out


def settings(**kw) -> KnowledgeSettings:
    return KnowledgeSettings(model="fake", **kw)


@pytest.fixture
def retriever() -> Retriever:
    r = Retriever(settings(), FakeEmbedder())
    r.build(KB, "v1")
    return r


def top(r: Retriever, text: str) -> str | None:
    result = r.search(text)
    return result.top.entry_id if result.top else None


class TestSearch:
    def test_exact_question_is_answered(self, retriever):
        result = retriever.search("How do I reset my password?")
        assert result.decision == "answer" and result.top.entry_id == "password"
        assert result.top.matched == "How do I reset my password?"
        assert 0.5 <= result.confidence <= 1.0
        assert result.top.dense > 0.9 and result.top.lexical > 0.9

    def test_paraphrase_finds_the_entry(self, retriever):
        assert top(retriever, "forgot my login password") == "password"
        assert top(retriever, "is the store open on sunday") == "hours"

    def test_out_of_scope_is_no_answer(self, retriever):
        result = retriever.search("quantum chromodynamics lattice gauge theory")
        assert result.decision == "no_answer"
        assert result.confidence < retriever.search("I forgot my password").confidence

    NEAR_DUPLICATES = KB + [
        faq("track_parcel", "How do I track my parcel?", "where is my parcel", "parcel tracking"),
        faq("track_package", "How do I track my package?", "where is my package", "package tracking"),
    ]

    def test_near_duplicate_entries_clarify_in_the_linear_fusion(self):
        # the fusion (no head, or entries the head has not seen yet) gives both a middling confidence
        r = Retriever(settings(intent_head=False), FakeEmbedder())
        r.build(self.NEAR_DUPLICATES, "v1")
        for ambiguous in ("how do I track it", "tracking"):
            result = r.search(ambiguous)
            assert result.decision == "clarify"
            assert {c.entry_id for c in result.candidates} >= {"track_parcel", "track_package"}
            assert 2 <= len(result.candidates) <= 3
        assert r.search("where is my parcel").top.entry_id == "track_parcel"

    def test_near_duplicate_entries_never_give_a_third_entry_with_the_head(self):
        # the head may prefer one of two near-duplicates (the editor's KB check flags such pairs) or,
        # on a KB this small, find the question as unlike its entries as a missing entry's
        # questions (test_scope_model.py): it never answers with an unrelated entry
        r = Retriever(settings(), FakeEmbedder())
        r.build(self.NEAR_DUPLICATES, "v1")
        assert r.head is not None and r.head.scope is not None
        for ambiguous in ("how do I track it", "tracking"):
            result = r.search(ambiguous)
            assert result.top.entry_id in {"track_parcel", "track_package"}
            if result.decision == "clarify":
                assert {c.entry_id for c in result.candidates} >= {"track_parcel", "track_package"}
        assert r.search("where is my parcel").top.entry_id == "track_parcel"
        assert r.search("tell me a joke").decision == "no_answer"

    def test_results_are_ranked_and_k_limits_them(self, retriever):
        result = retriever.search("How do I reset my password?", k=3)
        assert len(result.candidates) == 3
        confidences = [c.confidence for c in result.candidates]
        assert confidences == sorted(confidences, reverse=True)

    def test_batch_uses_one_encoder_call_and_matches_single_search(self, retriever):
        queries = ["I forgot my password", "退款多久到账", "", "cancel order", "人工客服"]
        emb = retriever._embedder
        before = emb.calls
        batch = retriever.search_batch(queries)
        assert emb.calls == before + 1
        assert batch[2].decision == "no_answer" and batch[2].candidates == ()
        assert [b.top.entry_id for i, b in enumerate(batch) if i != 2] == ["password", "refund", "cancel", "human"]
        assert batch[0] == retriever.search(queries[0])

    def test_calibrated_from_the_kb(self, retriever):
        assert retriever.fusion.to_dict() != LinearFusion().to_dict()
        tiny = Retriever(settings(), FakeEmbedder())
        tiny.build(KB[:2], "v1")  # too few phrasings to calibrate: defaults stay
        assert tiny.fusion.to_dict() == LinearFusion().to_dict()


class TestLanguages:
    @pytest.fixture
    def blind(self) -> Retriever:
        r = Retriever(settings(), BlindEmbedder())
        r.build(KB, "v1")
        return r

    def test_chinese_queries_through_the_lexical_path(self, blind):
        assert top(blind, "退款多久能到账") == "refund"
        assert top(blind, "快递几天到") == "shipping"
        result = blind.search("我想修改收货地址")
        assert result.top.entry_id == "address" and result.top.matched == "修改收货地址"
        assert result.top.lexical > result.candidates[1].lexical

    def test_mixed_language_queries(self, blind):
        assert top(blind, "我的iphone坏了 warranty") == "iphone"
        assert top(blind, "怎么开invoice") == "invoice"


class TestIncrementalUpdates:
    def test_upsert_new_entry_is_found_at_once(self, retriever):
        retriever.upsert(faq("gift", "Can I buy a gift card?", "gift card purchase", "礼品卡"))
        assert len(retriever) == 11
        assert top(retriever, "buy a gift card") == "gift"
        assert top(retriever, "礼品卡") == "gift"

    def test_edit_variant_embeds_only_new_phrasing(self, retriever):
        emb = retriever._embedder
        before = emb.sentences
        old = KB[1]
        retriever.upsert(replace(old, variants=(*old.variants[:-1], "holiday opening schedule")))
        assert emb.sentences == before + 1
        assert top(retriever, "holiday opening schedule") == "hours"
        matched = {c.matched for c in retriever.search("are you open on sunday", k=10).candidates}
        assert "are you open on sunday" not in matched
        assert len(retriever) == 10

    def test_remove_then_republish(self, retriever):
        retriever.remove("refund")
        assert len(retriever) == 9
        assert all(c.entry_id != "refund" for c in retriever.search("如何申请退款", k=10).candidates)
        retriever.remove("refund")  # unknown id: nothing happens
        retriever.upsert(KB[2])
        assert top(retriever, "如何申请退款") == "refund"

    def test_draft_upsert_unpublishes(self, retriever):
        retriever.upsert(replace(KB[0], status="draft"))
        assert all(c.entry_id != "password" for c in retriever.search("reset my password", k=10).candidates)

    def test_build_skips_drafts(self):
        r = Retriever(settings(), FakeEmbedder())
        r.build([*KB, faq("secret", "unreleased feature launch", status="draft")], "v1")
        assert len(r) == 10
        assert all(c.entry_id != "secret" for c in r.search("unreleased feature launch", k=10).candidates)

    def test_concurrent_searches_during_updates(self, retriever):
        errors: list[BaseException] = []

        def reader():
            try:
                for _ in range(30):
                    assert retriever.search("I forgot my password").top.entry_id == "password"
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        for i in range(30):
            retriever.upsert(faq(f"extra{i}", f"extra question number {i}", f"another way {i}"))
            retriever.remove(f"extra{i - 1}")
        for t in threads:
            t.join()
        assert errors == [] and len(retriever) == 11


class TestPersistence:
    def test_restart_loads_without_embedding(self, tmp_path):
        Retriever(settings(), FakeEmbedder(), cache_dir=tmp_path).build(KB, "v7")
        emb = FakeEmbedder()
        again = Retriever(settings(), emb, cache_dir=tmp_path)
        again.build(KB, "v7")
        assert (emb.calls, len(again)) == (0, 10)
        assert again.search("I forgot my password").top.entry_id == "password"

    def test_new_version_embeds_only_new_phrasings(self, tmp_path):
        Retriever(settings(), FakeEmbedder(), cache_dir=tmp_path).build(KB, "v1")
        emb = FakeEmbedder()
        r = Retriever(settings(), emb, cache_dir=tmp_path)
        r.build([*KB, faq("gift", "Can I buy a gift card?")], "v2")
        assert emb.sentences == 1
        assert top(r, "Can I buy a gift card?") == "gift"

    def test_same_version_with_other_content_rebuilds(self, tmp_path):
        Retriever(settings(), FakeEmbedder(), cache_dir=tmp_path).build(KB, "v1")
        r = Retriever(settings(), FakeEmbedder(), cache_dir=tmp_path)
        r.build(KB[:5], "v1")
        assert len(r) == 5

    def test_corrupt_cache_is_rebuilt(self, tmp_path):
        Retriever(settings(), FakeEmbedder(), cache_dir=tmp_path).build(KB, "v1")
        for f in (tmp_path / "indexes").glob("*/vectors.faiss"):
            f.write_bytes(b"garbage")
        emb = FakeEmbedder()
        r = Retriever(settings(), emb, cache_dir=tmp_path)
        r.build(KB, "v1")
        assert emb.calls == 1 and top(r, "I forgot my password") == "password"


class TestIndexChoice:
    def test_flat_below_and_hnsw_above_the_threshold(self):
        small = Retriever(settings(approximate_above=1000), FakeEmbedder())
        small.build(KB, "v1")
        assert small.index_kind == "flat"
        big = Retriever(settings(approximate_above=20), FakeEmbedder())
        big.build(KB, "v1")
        assert big.index_kind == "hnsw"
        assert top(big, "I forgot my password") == "password"
        big.remove("password")
        big.upsert(KB[0])
        assert top(big, "I forgot my password") == "password"

    def test_config_forces_hnsw(self):
        r = Retriever(settings(index="hnsw"), FakeEmbedder())
        r.build(KB, "v1")
        assert r.index_kind == "hnsw"


class TestBadInput:
    def test_duplicate_ids_fail_and_keep_the_old_index(self, retriever):
        with pytest.raises(ValueError, match="duplicate FAQ entry id 'hours'"):
            retriever.build([*KB, KB[1]], "v2")
        assert len(retriever) == 10 and retriever.version == "v1"

    def test_entry_without_text_is_rejected(self, retriever):
        with pytest.raises(ValueError, match="no non-blank"):
            retriever.upsert(faq("empty", "   ", ""))
        with pytest.raises(ValueError, match="no non-blank"):
            retriever.build([faq("empty", " ")], "v3")
        assert len(retriever) == 10

    def test_bad_queries(self, retriever):
        with pytest.raises(ValueError, match="k must be"):
            retriever.search("hello", k=0)
        with pytest.raises(TypeError):
            retriever.search(None)
        with pytest.raises(TypeError):
            retriever.search_batch("not a list")
        assert retriever.search("   ").decision == "no_answer"

    def test_empty_retriever_answers_nothing(self):
        assert Retriever(settings(), FakeEmbedder()).search("hello").decision == "no_answer"

    def test_broken_embedder_output_is_a_clear_error(self, retriever):
        class Broken(FakeEmbedder):
            def encode(self, texts, progress=False):
                return np.zeros((len(texts), 3), dtype=np.float32)

        r = Retriever(settings(), Broken())
        with pytest.raises(ValueError, match="expected"):
            r.build(KB, "v1")
        assert len(r) == 0


@pytest.fixture(scope="module")
def real_embedder():
    from knowledge.embedder import load_embedder

    return load_embedder(KnowledgeSettings())


@pytest.mark.slow
class TestRealModel:
    def test_semantic_english_and_lexical_chinese(self, real_embedder, tmp_path):
        r = Retriever(KnowledgeSettings(), real_embedder, cache_dir=tmp_path)
        r.build(KB, "v1")
        assert top(r, "what time does the shop close") == "hours"
        assert top(r, "I can't log in, need a new password") == "password"
        assert top(r, "退款多久能到账") == "refund"
        assert top(r, "iphone坏了能保修吗") == "iphone"
        assert r.search("recipe for chocolate chip cookies").decision == "no_answer"

    def test_restart_does_not_embed(self, real_embedder, tmp_path):
        Retriever(KnowledgeSettings(), real_embedder, cache_dir=tmp_path).build(KB, "v1")
        calls = []

        class Spy:
            name, dim = real_embedder.name, real_embedder.dim

            def encode(self, texts, progress=False):
                calls.append(list(texts))
                return real_embedder.encode(texts, progress)

        r = Retriever(KnowledgeSettings(), Spy(), cache_dir=tmp_path)
        r.build(KB, "v1")
        assert calls == []
        assert top(r, "what time does the shop close") == "hours"
        assert len(calls) == 1
