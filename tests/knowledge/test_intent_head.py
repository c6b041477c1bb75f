"""IntentHead, HeadFusion and the Retriever with a head: ranking, calibration, persistence, and
entries the head has not seen yet (published or edited since its fit)."""
from __future__ import annotations

import numpy as np
import pytest

from knowledge.fake_embedder import FakeEmbedder
from knowledge.fusion import LinearFusion
from knowledge.head_features import entry_max_cos
from knowledge.head_fusion import HeadFusion, head_confidences
from knowledge.head_trainer import snapshot
from knowledge.intent_head import HeadConfig, IntentHead
from knowledge.phrasing_index import PhrasingIndex
from knowledge.retriever import Retriever
from knowledge.settings import KnowledgeSettings
from knowledge.tokenizer import Tokenizer
from knowledge.types import FaqEntry

KB = {
    "password": ["How do I reset my password?", "I forgot my password", "change my login password",
                 "password reset link is not working", "cannot log in, need a new password"],
    "hours": ["What are your opening hours?", "when do you open", "store opening times",
              "are you open on sunday", "what time do you close"],
    "refund": ["How do I get a refund?", "I want my money back", "refund for a returned item",
               "how long does a refund take", "request a refund"],
    "shipping": ["How long does shipping take?", "when will my parcel arrive", "delivery time for orders",
                 "track my shipment", "where is my package"],
    "invoice": ["How can I get an invoice?", "send me a VAT invoice", "download the invoice of my order",
                "I need a receipt for my purchase", "invoice with company name"],
    "cancel": ["How do I cancel my order?", "cancel order", "I changed my mind, stop the order",
               "cancel a purchase before shipping", "undo my order"],
}
HELD_OUT = {"I forgot the password of my account": "password", "at what time does the store open": "hours",
            "where is my parcel, it has not arrived": "shipping", "please cancel the order I placed": "cancel"}


def kb_arrays(kb: dict[str, list[str]], embedder: FakeEmbedder):
    texts = [t for ts in kb.values() for t in ts]
    labels = [e for e, ts in kb.items() for _ in ts]
    return texts, labels, embedder.encode(texts)


@pytest.fixture(scope="module")
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="module")
def head(embedder) -> IntentHead:
    texts, labels, emb = kb_arrays(KB, embedder)
    return IntentHead.fit(texts, labels, emb, HeadConfig(embeddings="on"))


def confidences(head: IntentHead, embedder: FakeEmbedder, queries: list[str]):
    texts, labels, emb = kb_arrays(KB, embedder)
    q = embedder.encode(queries)
    col = np.array([head.column[e] for e in labels])
    return head_confidences(head, queries, q, entry_max_cos(q, emb, col, len(head.entry_ids)))


def test_head_ranks_held_out_paraphrases_first(head, embedder):
    queries = list(HELD_OUT)
    _, prob = confidences(head, embedder, queries)
    assert [head.entry_ids[i] for i in prob.argmax(1)] == list(HELD_OUT.values())


def test_confidence_is_a_calibrated_probability(head, embedder):
    conf, prob = confidences(head, embedder, list(HELD_OUT) + ["what is the airspeed of a swallow"])
    assert np.allclose(prob.sum(1), 1.0)
    assert ((conf >= 0) & (conf <= prob + 1e-12)).all()
    # the temperature was fitted on out-of-fold phrasings, not left at its default
    assert head.oof_top1 is not None and len(head.oof_comb) > 0
    assert head.temperature != pytest.approx(0.2)
    # an unrelated question is far less confident than the paraphrases of KB entries
    assert conf[-1].max() < conf[:-1].max(1).min()


def test_saved_head_gives_identical_scores(head, embedder, tmp_path):
    head.save(tmp_path)
    loaded = IntentHead.load(tmp_path)
    queries = list(HELD_OUT)
    q = embedder.encode(queries)
    assert np.array_equal(head.scores(queries, q), loaded.scores(queries, q))
    assert loaded.temperature == head.temperature and np.array_equal(loaded.oof_comb, head.oof_comb)
    assert loaded.entry_ids == head.entry_ids and loaded.uses_embeddings


def test_mostly_chinese_kb_switches_embeddings_off(embedder):
    kb = {"refund": ["如何申请退款", "退款多久到账", "我要退钱", "怎么退款"],
          "shipping": ["快递几天能到", "发货要多久", "什么时候发货", "物流查询"],
          "cancel": ["怎么取消订单", "取消订单", "我不想要了怎么取消", "订单可以撤销吗"]}
    texts, labels, emb = kb_arrays(kb, embedder)
    head = IntentHead.fit(texts, labels, emb)
    assert not head.uses_embeddings
    scores = head.scores(["退款要多久"], embedder.encode(["退款要多久"]))
    assert head.entry_ids[int(scores.argmax())] == "refund"
    # the cosine term stays, weighted by the query's Latin share: it moves an English question of
    # a bilingual KB, never a Chinese one (the model cannot read it)
    assert head.alpha == HeadConfig().alpha_lexical > 0
    queries = ["退款要多久", "how long does a refund take"]
    q = embedder.encode(queries)
    knn = np.zeros((2, len(head.entry_ids)))
    knn[:, head.column["cancel"]] = 1.0
    with_cos = head_confidences(head, queries, q, knn)[1]
    without = head_confidences(head, queries, q, np.zeros_like(knn))[1]
    assert np.allclose(with_cos[0], without[0])
    assert with_cos[1, head.column["cancel"]] > without[1, head.column["cancel"]]


def test_head_needs_two_entries(embedder):
    with pytest.raises(ValueError, match="two entries"):
        IntentHead.fit(["a", "b"], ["x", "x"], embedder.encode(["a", "b"]))


def index_of(kb: dict[str, list[str]], embedder: FakeEmbedder) -> PhrasingIndex:
    index = PhrasingIndex(embedder.dim, "flat", Tokenizer())
    texts, _, emb = kb_arrays(kb, embedder)
    index.put_many(list(kb.items()), emb)
    return index


def rank(fusion: HeadFusion, index: PhrasingIndex, embedder: FakeEmbedder, query: str):
    q = embedder.encode([query])
    sims, hits = index.dense.search(q, index.dense_fetch(10))
    pool = index.pool(q[0], hits[0], index.lexical.scores(query), 10)
    return fusion.rank_batch([query], q, sims, [pool], index, 5)[0]


NEW = ["How do I change my delivery address?", "update the shipping address", "wrong address on my order",
       "edit address after ordering"]


def test_new_entry_is_found_before_and_after_retraining(head, embedder):
    index = index_of(KB, embedder)
    fusion = HeadFusion(head, LinearFusion())
    assert rank(fusion, index, embedder, "I forgot the password of my account")[0].entry_id == "password"

    # published after the head was fitted: the linear fusion answers for it at once
    index.put("address", NEW, embedder.encode(NEW))
    fusion = fusion.with_stale("address")
    ranked = rank(fusion, index, embedder, "change the delivery address of my order")
    assert ranked[0].entry_id == "address"
    assert "address" not in head.column

    # the retrained head knows it and ranks it with its own calibrated confidence
    kb = {**KB, "address": NEW}
    texts, labels, emb = kb_arrays(kb, embedder)
    retrained = HeadFusion(IntentHead.fit(texts, labels, emb, HeadConfig(embeddings="on")), LinearFusion())
    ranked = rank(retrained, index, embedder, "change the delivery address of my order")
    assert ranked[0].entry_id == "address" and "address" in retrained.head.column
    assert ranked[0].matched in NEW


def test_removed_and_edited_entries_are_not_answered_by_the_head(head, embedder):
    index = index_of(KB, embedder)
    index.delete("hours")
    fusion = HeadFusion(head, LinearFusion())
    ids = [c.entry_id for c in rank(fusion, index, embedder, "when do you open")]
    assert "hours" not in ids
    # an entry edited into another topic competes through the linear fusion with its new
    # phrasings: the head, fitted on its old ones, would rank it last
    gift = ["buy a gift card", "gift card for a friend", "purchase gift cards"]
    index.put("hours", gift, embedder.encode(gift))
    ranked = rank(fusion.with_stale("hours"), index, embedder, "gift card for my friend")
    assert ranked[0].entry_id == "hours"
    assert ranked[0].matched == "gift card for a friend"


# -- through the Retriever ------------------------------------------------------------------------

# 120 phrasings: with 100 held-out ones enough, the head uses its in-scope table (the default 500
# would give it a ScopeModel instead: test_scope_model.py)
SETTINGS = KnowledgeSettings(model="fake", head_min_held_out=100)

TEMPLATES = ["{}", "how do I {}", "I want to {}", "help me {}", "can you {}", "please {}", "I need to {}",
             "where can I {}", "is it possible to {}", "tell me how to {}"]
TOPICS = {"password": "reset my password", "hours": "see your opening hours", "refund": "get a refund",
          "shipping": "track my parcel", "invoice": "download an invoice", "cancel": "cancel my order",
          "address": "change the delivery address", "points": "redeem membership points",
          "human": "talk to a human agent", "warranty": "claim the warranty",
          "newsletter": "unsubscribe from the newsletter", "payment": "pay with a credit card"}


def topic_kb(topics: dict[str, str]) -> list[FaqEntry]:
    return [FaqEntry(id=e, question=TEMPLATES[0].format(t), answer=f"answer of {e}",
                     variants=tuple(x.format(t) for x in TEMPLATES[1:])) for e, t in topics.items()]


def test_retriever_uses_the_head_and_caches_it(embedder, tmp_path):
    r = Retriever(SETTINGS, embedder, cache_dir=tmp_path)
    r.build(topic_kb(TOPICS), "v1")
    assert r.head is not None and r.trainer.fits == 1
    result = r.search("how can I get my refund")
    assert result.top.entry_id == "refund" and result.decision == "answer"
    assert result.top.confidence == pytest.approx(float(
        confidences_of(r, "how can I get my refund")[r.head.column["refund"]]))

    again = Retriever(SETTINGS, embedder, cache_dir=tmp_path)
    again.build(topic_kb(TOPICS), "v1")
    assert again.trainer.fits == 0 and again.head is not None  # loaded, not fitted
    assert again.search("how can I get my refund") == result


def confidences_of(r: Retriever, query: str) -> np.ndarray:
    """The head's confidences computed outside the retriever, from exact per-entry cosines."""
    index = r._index
    texts, labels, vectors = snapshot(index)
    q = r._embedder.encode([query])
    col = np.array([r.head.column[e] for e in labels])
    return head_confidences(r.head, [query], q, entry_max_cos(q, vectors, col, len(r.head.entry_ids)))[0][0]


def test_upsert_is_searchable_before_the_background_refit_and_after_it(embedder):
    r = Retriever(SETTINGS, embedder)
    r.build(topic_kb(TOPICS), "v1")
    first = r.head
    new = FaqEntry(id="giftcard", question="buy a gift card", answer="...",
                   variants=("gift card for a friend", "purchase gift cards", "send a gift card"))
    r.upsert(new)
    # at once: by the linear fusion (HeadFusion test above), or by the new head if it is already fitted
    assert r.search("gift card for my friend").top.entry_id == "giftcard"
    assert r.wait_for_head(timeout=600)
    assert r.head is not first and "giftcard" in r.head.column
    assert r.search("gift card for my friend").top.entry_id == "giftcard"
    r.remove("refund")
    assert r.wait_for_head(timeout=600)
    assert "refund" not in r.head.column
    assert all(c.entry_id != "refund" for c in r.search("I want to get a refund").candidates)


def test_disabled_head_leaves_the_linear_fusion(embedder):
    r = Retriever(SETTINGS.model_copy(update={"intent_head": False}), embedder)
    r.build(topic_kb(TOPICS), "v1")
    assert r.head is None and r.trainer.fits == 0
    assert r.search("how can I get my refund").top.entry_id == "refund"


def test_a_kb_too_small_to_calibrate_keeps_the_linear_fusion(embedder):
    # four entries: too few to learn where to reject (scope_model.MIN_SCOPE_ENTRIES)
    tiny = {e: TOPICS[e] for e in ("password", "hours", "refund", "shipping")}
    r = Retriever(KnowledgeSettings(model="fake"), embedder)  # default: 500 held-out phrasings
    r.build(topic_kb(tiny), "v1")
    assert r.head is None and r.trainer.fits == 1  # fitted, measured, not used
    assert r.search("how can I get my refund").top.entry_id == "refund"


def test_few_shot_kbs_take_the_few_shot_cosine_weight(embedder, tmp_path):
    texts, labels, emb = kb_arrays(KB, embedder)  # 5 phrasings per entry
    few = IntentHead.fit(texts, labels, emb, HeadConfig(embeddings="on", alpha_few_shot=4.0, few_shot=5),
                         calibrate=False)
    many = IntentHead.fit(texts, labels, emb, HeadConfig(embeddings="on", alpha_few_shot=4.0, few_shot=4),
                          calibrate=False)
    plain = IntentHead.fit(texts, labels, emb, HeadConfig(embeddings="on"), calibrate=False)
    assert few.alpha == 4.0 and many.alpha == plain.alpha == 1.0
    few.save(tmp_path)
    assert IntentHead.load(tmp_path).alpha == 4.0  # a restart keeps the weight it was fitted with
