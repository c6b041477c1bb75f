"""Questions whose embedding the ranking would not read are not encoded: a Chinese question on a
Chinese KB whose intent head has no embedding features (the default model reads Chinese as
[UNK]). Results are the same as with the vector, and an edit brings the encoder back."""
from __future__ import annotations

from knowledge.fake_embedder import FakeEmbedder
from knowledge.retriever import Retriever
from knowledge.tokenizer import latin_share
from tests.knowledge.test_retriever import KB, faq, settings

CHINESE_KB = [e for e in KB if e.id in {"refund", "shipping", "cancel", "points", "address", "human"}] + [
    faq("invoice", "怎么开发票", "需要发票", "电子发票", "发票抬头"),
    faq("hours", "几点开门", "营业时间", "周末营业吗", "几点关门"),
]
CHINESE = ["退款多久到账？", "什么时候发货 #12", "积分怎么用啊", "我要开发票", "周末几点关门"]


def built(kb=CHINESE_KB) -> tuple[Retriever, FakeEmbedder]:
    embedder = FakeEmbedder()
    retriever = Retriever(settings(), embedder)
    retriever.build(kb, "v1")
    retriever.wait_for_head(30)
    return retriever, embedder


def test_latin_share_counts_letters_only():
    assert latin_share("退款多久到账？ #12") == 0.0  # punctuation and digits are neither
    assert latin_share("iphone 保修") == 6 / 8
    assert latin_share("refund") == 1.0
    assert latin_share("12345 !") == 1.0  # no letters: the model reads digits


def test_chinese_questions_on_a_chinese_kb_skip_the_encoder_with_the_same_results():
    retriever, embedder = built()
    assert retriever.head is not None and not retriever.head.uses_embeddings
    before = embedder.calls
    skipped = retriever.search_batch(CHINESE)
    assert embedder.calls == before  # no encoder call at all
    with_vectors = retriever.search_batch(CHINESE, vectors=embedder.encode(CHINESE))
    for a, b in zip(skipped, with_vectors):
        assert a.decision == b.decision
        assert [(c.entry_id, round(c.confidence, 6)) for c in a.candidates] == \
               [(c.entry_id, round(c.confidence, 6)) for c in b.candidates]
    assert skipped[0].top.entry_id == "refund"


def test_questions_with_letters_the_model_reads_are_encoded():
    retriever, embedder = built()
    before = embedder.calls
    vectors = retriever.encode_queries(["退款 refund", "积分怎么用"])
    assert embedder.calls == before + 1
    assert vectors[0].any() and not vectors[1].any()


def test_after_an_edit_the_fusion_ranks_that_entry_and_reads_vectors_again(monkeypatch):
    retriever, embedder = built()
    vectors = retriever.encode_queries(["积分怎么用"])  # left unencoded before the edit
    assert not vectors.any()
    # no background refit in this test: the head stays the pre-edit one, as it does for a while
    monkeypatch.setattr(retriever.trainer, "schedule", lambda job: None)
    retriever.upsert(faq("gift", "礼品卡怎么用", "购物卡", "礼品卡余额"))
    before = embedder.calls
    assert retriever.search("礼品卡余额查询").top.entry_id == "gift"
    assert embedder.calls == before + 1
    before = embedder.calls
    retriever.search_batch(["积分怎么用"], vectors=vectors)  # the row left unencoded is encoded late
    assert embedder.calls == before + 1
