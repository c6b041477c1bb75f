"""Keyword cover: a short question whose content words all occur in its best entry gets a clarify
instead of no_answer; a question with a word the entry lacks does not."""
from __future__ import annotations

from knowledge.decision import Decider
from knowledge.fake_embedder import FakeEmbedder
from knowledge.keyword_cover import MAX_WORDS, KeywordCover
from knowledge.retriever import Retriever
from knowledge.settings import KnowledgeSettings
from knowledge.tokenizer import Tokenizer
from knowledge.types import Candidate
from tests.knowledge.test_retriever import KB, settings

COVER = KeywordCover(Tokenizer())
RETURNS = ["怎么退货？支持七天无理由吗？", "退货流程", "how do I return something"]


def test_question_words_and_particles_are_not_content():
    assert COVER.content_words("怎么退货") == ["退货"]
    assert COVER.content_words("我想退货吗？") == ["退货"]
    assert COVER.content_words("How do I return an item?") == ["return", "item"]
    assert COVER.content_words("怎么办") == []


def test_covers_only_when_every_content_word_is_in_the_entry():
    assert COVER.covers("怎么退货", RETURNS)
    assert COVER.covers("RETURN something", RETURNS)  # normalized like the phrasings
    assert not COVER.covers("退货 手机壳", RETURNS)  # 手机壳 is not in the entry
    assert not COVER.covers("can you repair my laptop", RETURNS)
    assert not COVER.covers("怎么办", RETURNS)  # nothing to vouch for
    assert not COVER.covers("hi", ["how do I ship this"])  # whole words: "hi" is not in "ship" or "this"
    assert COVER.covers("退货流程 how", RETURNS)
    assert not COVER.covers("退货 something", RETURNS)  # each word is in some phrasing, but not both in one


def test_long_questions_are_not_judged_by_keywords():
    words = ["return", "something", "how", "流程", "退货", "七天"]
    question = " ".join(w for w in words if w not in ("how",))
    assert len(COVER.content_words(question)) > MAX_WORDS
    assert not COVER.covers(question, RETURNS)


def test_decider_offers_a_vouched_candidate_below_the_clarify_threshold():
    decider = Decider(KnowledgeSettings())
    ranked = [Candidate("returns", 0.12), Candidate("refund", 0.07), Candidate("tracking", 0.01)]
    assert decider.decide(ranked, 5).decision == "no_answer"
    result = decider.decide(ranked, 5, vouched={"returns"})
    # offered with the runner-up that is nearly as likely, not with filler
    assert result.decision == "clarify" and [c.entry_id for c in result.candidates] == ["returns", "refund"]
    confident = [Candidate("returns", 0.9), Candidate("refund", 0.05)]
    assert decider.decide(confident, 5, vouched={"returns"}).decision == "answer"  # only ever lifts a no_answer
    assert decider.decide(ranked, 5, vouched={"refund"}).decision == "no_answer"  # the best one must be vouched for
    # a near-duplicate vouched for too is offered even when far less likely
    both = decider.decide(ranked, 5, vouched={"returns", "tracking"})
    assert [c.entry_id for c in both.candidates] == ["returns", "refund", "tracking"]


def built(**kw) -> Retriever:
    retriever = Retriever(settings(**kw), FakeEmbedder())
    retriever.build(KB, "v1")
    retriever.wait_for_head(30)
    return retriever


def test_a_short_keyword_question_is_clarified_not_refused():
    on, off = built(), built(keyword_clarify=False)
    assert off.search("发票").decision == "no_answer"  # the head alone is unsure of one keyword
    result = on.search("发票")
    assert result.decision == "clarify" and result.top.entry_id == "invoice"
    assert on.vouched("发票", ["invoice", "shipping"]) == {"invoice"} and off.vouched("发票", ["invoice"]) == set()
    # a word no entry has keeps the no_answer
    assert on.search("手机壳有没有卖").decision == "no_answer"
    assert on.search_batch(["发票", "手机壳有没有卖"]) == [on.search("发票"), on.search("手机壳有没有卖")]


def test_a_kb_judged_by_its_held_out_table_does_not_vouch():
    """With tens of phrasings per entry, one holds the few words of many out-of-scope questions too:
    a KB whose head judges scope by its held-out table (500+ phrasings; lowered here) never vouches."""
    small, big = built(), built(head_min_held_out=5)
    assert small._head.head.scope is not None and big._head.judges_by_table
    assert small.vouched("发票", ["invoice"]) == {"invoice"}
    assert big.vouched("发票", ["invoice"]) == set()
    result = big.search("发票")  # a clarify here would come from its confidence alone
    assert result.decision != "clarify" or result.top.confidence >= big._settings.clarify_threshold
