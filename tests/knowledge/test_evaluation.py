"""`kefu eval`: metrics on hand-made cases, threshold choice on dev only, errors for bad files, the CLI."""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from bot import cli_eval
from knowledge.eval_metrics import (MIN_OOS_RECALL, Scored, choose_threshold, decide_all, decision_metrics,
                                    ranking_metrics, wilson_lower)
from knowledge.evaluation import EvaluationError, run_evaluation
from knowledge.settings import KnowledgeSettings
from knowledge.types import Candidate

FAQ = [
    {"id": "password", "question": "How do I reset my password?", "answer": "a",
     "variants": ["I forgot my password", "change login password"]},
    {"id": "hours", "question": "What are your opening hours?", "answer": "a",
     "variants": ["when do you open", "store opening times"]},
    {"id": "refund", "question": "How do I get a refund?", "answer": "a",
     "variants": ["I want my money back", "refund my order"]},
    {"id": "shipping", "question": "How long does delivery take?", "answer": "a",
     "variants": ["when will my parcel arrive", "shipping time"]},
]
# three exact phrasings of their entries and one far-off question
QUERIES = [
    {"text": "I forgot my password", "expected": "password"},
    {"text": "store opening times", "expected": "hours"},
    {"text": "refund my order", "expected": "refund"},
    {"text": "quantum chromodynamics lattice gauge theory", "expected": None},
]
FAKE = KnowledgeSettings(model="fake")


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data) if not isinstance(data, str) else data, encoding="utf-8")
    return path


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    return write(tmp_path / "faq.json", FAQ)


def cand(entry_id: str, confidence: float) -> Candidate:
    return Candidate(entry_id, confidence)


class TestMetrics:
    """Hand-made ranked lists whose scores are known exactly."""

    SCORED = [
        Scored((cand("a", 0.9), cand("b", 0.1)), "a"),  # right, sure: answered
        Scored((cand("b", 0.8), cand("a", 0.2)), "a"),  # wrong entry first, sure: a wrong answer
        Scored((cand("c", 0.4), cand("b", 0.2), cand("a", 0.1)), "b"),  # right one second, unsure: clarify
        Scored((cand("a", 0.1),), None),  # out of scope, low: no_answer
    ]

    def test_ranking(self):
        m = ranking_metrics(self.SCORED)
        assert m["top1"] == pytest.approx(1 / 3)
        assert m["mrr"] == pytest.approx((1 + 1 / 2 + 1 / 2) / 3)

    def test_decisions_with_default_thresholds(self):
        results = decide_all(self.SCORED, KnowledgeSettings(), k=10)
        assert [r.decision for r in results] == ["answer", "answer", "clarify", "no_answer"]
        m = decision_metrics(self.SCORED, results)
        assert m["in_scope_accuracy"] == pytest.approx(1 / 3)
        assert m["oos_recall"] == 1.0
        assert m["answer_rate"] == 0.5 and m["clarify_rate"] == 0.25
        assert m["wrong_answer_rate"] == 0.25
        assert m["in_scope_clarified_right"] == pytest.approx(1 / 3)  # "b" is among the clarify options

    def test_no_oos_queries_gives_null_recall(self):
        m = decision_metrics(self.SCORED[:3], decide_all(self.SCORED[:3], KnowledgeSettings(), 10))
        assert m["oos_recall"] is None

    def test_threshold_meets_the_oos_recall_constraint(self):
        dev = [Scored((cand(x, c),), x) for x, c in (("a", 0.9), ("b", 0.8))]
        dev += [Scored((cand("a", c),), None) for c in (0.35, 0.5)]
        chosen, metrics = choose_threshold(dev, KnowledgeSettings(), 10)
        # both out-of-scope rejected needs clarify > 0.5; the configured band (0.2) costs nothing here,
        # so it is kept, and the lowest answer threshold above it is 0.71
        assert (chosen.answer_threshold, chosen.clarify_threshold) == pytest.approx((0.71, 0.51))
        assert metrics["oos_recall"] == 1.0 and metrics["in_scope_accuracy"] == 1.0

    def test_band_narrows_when_it_only_holds_back_right_answers(self):
        dev = [Scored((cand(x, c),), x) for x, c in (("a", 0.9), ("b", 0.8), ("c", 0.6))]
        dev += [Scored((cand("a", c),), None) for c in (0.35, 0.5)]
        chosen, metrics = choose_threshold(dev, KnowledgeSettings(), 10)
        # with the 0.2 or 0.1 band "c" (0.6) would be clarified; the widest band that answers it and
        # still rejects both out-of-scope questions is 0.05
        assert (chosen.answer_threshold, chosen.clarify_threshold) == pytest.approx((0.56, 0.51))
        assert metrics["oos_recall"] == 1.0 and metrics["in_scope_accuracy"] == 1.0

    def test_oos_recall_is_held_to_its_lower_confidence_bound(self):
        # 10 out-of-scope dev questions, 9 of them below 0.3: 90 % observed is not enough evidence
        # for 90 % on new questions, so the threshold must also reject the tenth (at 0.45)
        dev = [Scored((cand("a", 0.9),), "a"), Scored((cand("b", 0.5),), "b")]
        dev += [Scored((cand("a", 0.2),), None) for _ in range(9)] + [Scored((cand("a", 0.45),), None)]
        chosen, metrics = choose_threshold(dev, KnowledgeSettings(), 10)
        assert chosen.clarify_threshold > 0.45 and metrics["oos_recall"] == 1.0
        assert wilson_lower(0.9, 100) < MIN_OOS_RECALL <= wilson_lower(0.96, 100)

    def test_threshold_without_oos_weighs_wrong_answers(self):
        # right answers at 0.9 and 0.7, wrong ones at 0.6 and 0.5: the best cut drops only the wrong ones
        dev = [Scored((cand("a", 0.9),), "a"), Scored((cand("b", 0.7),), "b"),
               Scored((cand("x", 0.6),), "c"), Scored((cand("x", 0.5),), "d")]
        chosen, metrics = choose_threshold(dev, KnowledgeSettings(), 10)
        assert chosen.answer_threshold == pytest.approx(0.61)
        assert metrics["in_scope_accuracy"] == 0.5 and metrics["wrong_answer_rate"] == 0.0


class TestRunEvaluation:
    def test_hand_made_case(self, kb, tmp_path):
        report = run_evaluation(kb, write(tmp_path / "q.json", QUERIES), None, FAKE)
        assert (report["queries"], report["in_scope_queries"], report["oos_queries"]) == (4, 3, 1)
        assert report["entries"] == 4 and report["phrasings"] == 12
        assert report["top1"] == 1.0 and report["mrr"] == 1.0
        assert report["in_scope_accuracy"] == 1.0 and report["oos_recall"] == 1.0
        assert report["answer_rate"] == 0.75
        assert report["threshold"] == 0.5 and report["threshold_source"] == "default"
        assert report["latency_queries"] == 4 and report["latency_ms_p95"] >= report["latency_ms_p50"] > 0
        assert report["decision_agreement"] == 1.0
        assert report["tune_seconds"] == 0 and report["index_seconds"] > 0
        assert report["dataset"] == kb.parent.name

    def test_a_miss_lowers_top1_and_mrr(self, kb, tmp_path):
        queries = QUERIES[:3] + [{"text": "when will my parcel arrive", "expected": "refund"}]
        report = run_evaluation(kb, write(tmp_path / "q.json", queries), None, FAKE)
        assert report["top1"] == 0.75
        assert 0.75 < report["mrr"] <= 0.875  # the right entry is ranked 2nd or lower
        assert report["oos_recall"] is None

    def test_threshold_comes_from_dev_and_is_applied(self, kb, tmp_path):
        dev = write(tmp_path / "dev.json", QUERIES[:3])  # all answerable: the lowest threshold wins
        report = run_evaluation(kb, write(tmp_path / "q.json", QUERIES), dev, FAKE)
        assert report["threshold_source"] == "dev" and report["dev_queries"] == 3
        assert report["threshold"] != FAKE.answer_threshold
        assert report["threshold"] == 0.0 and report["clarify_threshold"] == 0.0
        # with no clarify threshold left, the out-of-scope query is answered instead of rejected
        assert report["oos_recall"] == 0.0
        assert report["decision_agreement"] == 1.0  # the live Retriever used the same threshold

    def test_test_queries_do_not_move_the_threshold(self, kb, tmp_path):
        dev = write(tmp_path / "dev.json", QUERIES)
        easy = run_evaluation(kb, write(tmp_path / "easy.json", QUERIES[:3]), dev, FAKE)
        oos = [{"text": FAQ[0]["question"], "expected": None}] * 5  # a lower threshold would hurt these
        hard = run_evaluation(kb, write(tmp_path / "hard.json", oos), dev, FAKE)
        assert easy["threshold"] == hard["threshold"]
        assert easy["dev"] == hard["dev"]

    def test_kb_in_another_format(self, tmp_path):
        csv = write(tmp_path / "faq.csv", "id,question,variants,answer\n"
                    "password,How do I reset my password?,I forgot my password|change login password,a\n"
                    "hours,What are your opening hours?,when do you open|store opening times,a\n")
        report = run_evaluation(csv, write(tmp_path / "q.json", QUERIES[:2]), None, FAKE)
        assert report["top1"] == 1.0 and report["entries"] == 2
        assert report["dataset"] == tmp_path.name  # a file named faq.* is named after its folder


class TestBadInput:
    def error(self, kb, queries, dev=None, settings=FAKE, **kw) -> str:
        with pytest.raises(EvaluationError) as info:
            run_evaluation(kb, queries, dev, settings, **kw)
        return str(info.value)

    def test_missing_kb_file(self, tmp_path):
        message = self.error(tmp_path / "nope.json", write(tmp_path / "q.json", QUERIES))
        assert "nope.json" in message

    def test_missing_queries_file(self, kb, tmp_path):
        assert "no such file" in self.error(kb, tmp_path / "missing.json")

    def test_malformed_queries_json(self, kb, tmp_path):
        message = self.error(kb, write(tmp_path / "q.json", '[{"text": "hi", "expected": null'))
        assert "q.json" in message and "not valid JSON" in message and "line 1" in message

    def test_queries_not_a_list(self, kb, tmp_path):
        assert "top level must be a list" in self.error(kb, write(tmp_path / "q.json", {"text": "hi"}))

    def test_items_in_the_wrong_layout(self, kb, tmp_path):
        bad = [{"text": "hi"}, {"text": "", "expected": None}, "hello", {"text": "x", "expected": 3}]
        message = self.error(kb, write(tmp_path / "q.json", bad))
        for part in ('item 1: "expected" is missing', 'item 2: "text"', "item 3: expected an object",
                     'item 4: "expected" must be an FAQ id'):
            assert part in message

    def test_expected_id_not_in_kb(self, kb, tmp_path):
        queries = QUERIES + [{"text": "hello", "expected": "no_such_entry"}]
        message = self.error(kb, write(tmp_path / "q.json", queries))
        assert "'no_such_entry' (item 5)" in message and "faq.json" in message

    def test_unknown_id_in_dev_names_the_dev_file(self, kb, tmp_path):
        dev = write(tmp_path / "dev.json", [{"text": "hello", "expected": "ghost"}])
        message = self.error(kb, write(tmp_path / "q.json", QUERIES), dev)
        assert "dev.json" in message and "'ghost'" in message

    def test_draft_entries_are_not_searchable_targets(self, tmp_path):
        faq = FAQ[:1] + [dict(FAQ[1], status="draft")]
        queries = [{"text": "store opening times", "expected": "hours"}]
        message = self.error(write(tmp_path / "faq.json", faq), write(tmp_path / "q.json", queries))
        assert "'hours'" in message and "not published" in message

    def test_tuning_the_fake_model_is_refused(self, kb, tmp_path):
        message = self.error(kb, write(tmp_path / "q.json", QUERIES), tune_epochs=1)
        assert "tuning" in message and "fake" in message


class TestCli:
    def args(self, kb: Path, queries: Path, **kw) -> argparse.Namespace:
        return argparse.Namespace(kb=kb, queries=queries, dev=None, json=True, tune=False, tune_epochs=None,
                                  tune_learning_rate=None,
                                  latency_sample=300, **kw)

    def test_json_prints_one_object(self, kb, tmp_path, settings, capsys):
        assert cli_eval.evaluate(settings, self.args(kb, write(tmp_path / "q.json", QUERIES))) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["top1"] == 1.0 and report["queries"] == 4

    def test_bad_file_exits_1_with_the_reason(self, kb, tmp_path, settings, capsys):
        assert cli_eval.evaluate(settings, self.args(kb, tmp_path / "absent.json")) == 1
        assert "kefu eval:" in capsys.readouterr().err
