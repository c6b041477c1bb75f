"""ScopeModel: the out-of-scope model a small KB's head fits on its own entry-removed phrasings."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.fake_embedder import FakeEmbedder
from knowledge.formats import read_faq
from knowledge.head_features import entry_max_cos
from knowledge.head_fusion import head_confidences
from knowledge.intent_head import HeadConfig, IntentHead
from knowledge.retriever import Retriever
from knowledge.scope_model import MIN_SCOPE_ENTRIES, ScopeModel, entry_folds, top_mass
from knowledge.settings import KnowledgeSettings
from tests.knowledge.test_intent_head import TOPICS, topic_kb

DEMO_KB = Path(__file__).resolve().parents[2] / "knowledge" / "data" / "demo_faq.json"
UNRELATED = ["what is the airspeed of a swallow", "recipe for chocolate chip cookies"]


def test_factor_keeps_queries_above_the_quantile_and_sinks_the_others():
    # entry-removed phrasings whose two best entries held 0.00, 0.01, ..., 0.99
    scope = ScopeModel(np.arange(100) / 100, quantile=0.85)
    prob = np.array([[0.90, 0.05, 0.05],   # beats 90 % of the table: in scope
                     [0.50, 0.30, 0.20],   # top two hold 0.80: beats 80 % only: out of scope
                     [0.40, 0.20, 0.40]])  # top two hold 0.80 as well
    factor = scope.factor(prob)
    assert factor[0] == 1.0
    assert (factor[1:] < 1.0).all() and factor[1] == factor[2]
    # out of scope: every confidence ends below the default clarify threshold, order kept
    conf = prob * factor[:, None]
    assert (conf[1:].max(1) < KnowledgeSettings().clarify_threshold).all()
    assert np.array_equal(np.argsort(conf[1]), np.argsort(prob[1]))


def test_a_question_split_between_two_entries_is_as_much_in_scope_as_one_sure_of_one():
    scope = ScopeModel(np.linspace(0.2, 0.95, 50))
    sure, split = np.array([[0.96, 0.02, 0.02]]), np.array([[0.49, 0.49, 0.02]])
    assert top_mass(split)[0] == pytest.approx(top_mass(sure)[0])
    assert scope.factor(sure)[0] == scope.factor(split)[0] == 1.0


def test_scope_model_validates_its_table():
    with pytest.raises(ValueError, match="quantile"):
        ScopeModel(np.ones(20), quantile=0.0)
    with pytest.raises(ValueError, match="scores"):
        ScopeModel(np.zeros(0))


def test_entry_folds_remove_every_entry_once():
    folds = entry_folds(35, 20, seed=0)
    assert sorted(np.bincount(folds, minlength=20)) == [1] * 5 + [2] * 15
    assert np.array_equal(entry_folds(12, 12, seed=0), entry_folds(12, 12, seed=0))
    assert sorted(entry_folds(12, 12, seed=0)) == list(range(12))  # one entry per group


@pytest.fixture(scope="module")
def embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="module")
def small_head(embedder) -> tuple[IntentHead, list[str], np.ndarray]:
    entries = topic_kb(TOPICS)
    texts = [t for e in entries for t in e.phrasings]
    labels = [e.id for e in entries for _ in e.phrasings]
    emb = embedder.encode(texts)
    return IntentHead.fit(texts, labels, emb), labels, emb


def test_a_small_kb_learns_where_to_reject_from_its_entry_removed_phrasings(small_head, embedder):
    head, labels, emb = small_head
    # 120 phrasings give 96 held-out ones: too few for the in-scope table, so a scope model
    assert len(head.oof_comb) < HeadConfig().min_calibration
    assert head.scope is not None and len(head.scope.scores) == len(labels)  # each phrasing once
    assert head.scope.quantile == HeadConfig().scope_quantile
    queries = ["how can I get my refund", "I need to reset my password", *UNRELATED]
    q = embedder.encode(queries)
    col = np.array([head.column[e] for e in labels])
    conf, prob = head_confidences(head, queries, q, entry_max_cos(q, emb, col, len(head.entry_ids)))
    assert [head.entry_ids[i] for i in prob[:2].argmax(1)] == ["refund", "password"]
    assert (conf[:2].max(1) >= 0.5).all()  # paraphrases stay answerable
    assert (conf[2:].max(1) < 0.3).all()  # unrelated questions fall below the clarify threshold


def test_saved_head_keeps_its_scope_model(small_head, tmp_path):
    head = small_head[0]
    head.save(tmp_path)
    loaded = IntentHead.load(tmp_path)
    assert loaded.scope is not None and np.array_equal(loaded.scope.scores, head.scope.scores)
    assert loaded.scope.quantile == head.scope.quantile


def test_the_retriever_answers_a_small_kb_with_the_head_and_rejects_unrelated_questions(embedder, tmp_path):
    r = Retriever(KnowledgeSettings(model="fake"), embedder, cache_dir=tmp_path)  # default gate: 500
    r.build(topic_kb(TOPICS), "v1")
    assert r.head is not None and r.head.scope is not None
    result = r.search("how can I get my refund")
    assert result.decision == "answer" and result.top.entry_id == "refund"
    for text in UNRELATED:
        assert r.search(text).decision == "no_answer"
    again = Retriever(KnowledgeSettings(model="fake"), embedder, cache_dir=tmp_path)
    again.build(topic_kb(TOPICS), "v1")
    assert again.trainer.fits == 0 and again.head.scope is not None  # cached with its scope model
    assert again.search("how can I get my refund") == result


def test_too_few_entries_get_no_scope_model(embedder):
    few = {e: TOPICS[e] for e in list(TOPICS)[:MIN_SCOPE_ENTRIES - 1]}
    entries = topic_kb(few)
    texts = [t for e in entries for t in e.phrasings]
    labels = [e.id for e in entries for _ in e.phrasings]
    assert IntentHead.fit(texts, labels, embedder.encode(texts)).scope is None


def test_the_demo_kb_turns_away_what_it_does_not_cover(embedder):
    # the editor's "missed questions" story (tests/browser/test_editor.py) starts from these
    r = Retriever(KnowledgeSettings(model="fake"), embedder)
    r.build(read_faq(DEMO_KB), "v1")
    assert r.head is not None and r.head.scope is not None
    for text in ("可以回收旧手机吗", "旧手机能回收吗", "你们回收旧手机吗", *UNRELATED):
        assert r.search(text).decision == "no_answer", text
    for text, entry in (("how do I cancel an order I just placed", "cancel_order"), ("能开电子发票吗", "invoice"),
                        ("有学生优惠吗", "student_discount")):
        result = r.search(text)
        assert (result.decision, result.top.entry_id) == ("answer", entry), text


@pytest.mark.slow
def test_the_demo_kb_with_the_real_model(tmp_path):
    from knowledge.embedder import load_embedder

    settings = KnowledgeSettings(model_cache_dir=str(tmp_path / "models"))
    r = Retriever(settings, load_embedder(settings))
    r.build(read_faq(DEMO_KB), "v1")
    assert r.head is not None and r.head.scope is not None
    for text in ("可以回收旧手机吗", "旧手机能回收吗", "你们回收旧手机吗", "今天天气怎么样", *UNRELATED):
        assert r.search(text).decision == "no_answer", text
    for text, entry in (("how do I cancel an order I just placed", "cancel_order"), ("能开电子发票吗", "invoice"),
                        ("where is my package", "tracking"), ("忘记密码了怎么办", "reset_password")):
        result = r.search(text)
        assert (result.decision, result.top.entry_id) == ("answer", entry), text
