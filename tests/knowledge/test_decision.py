"""Decision rules (answer / clarify / no_answer) and the fusion models behind the confidence."""
from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from knowledge.decision import Decider
from knowledge.fusion import LinearFusion, fit_logistic
from knowledge.settings import KnowledgeSettings
from knowledge.types import Candidate


def ranked(*confidences: float) -> list[Candidate]:
    return [Candidate(f"e{i}", c) for i, c in enumerate(confidences)]


@pytest.fixture
def decider() -> Decider:
    # answer 0.5, clarify 0.3, margin 0.15, up to 3 options
    return Decider(KnowledgeSettings(model="fake"))


class TestDecider:
    def test_confident_and_clear_top_answers(self, decider):
        result = decider.decide(ranked(0.9, 0.2, 0.1), k=2)
        assert result.decision == "answer"
        assert [c.entry_id for c in result.candidates] == ["e0", "e1"]

    def test_low_top_is_no_answer(self, decider):
        result = decider.decide(ranked(0.25, 0.2), k=5)
        assert result.decision == "no_answer" and result.top.entry_id == "e0"

    def test_nothing_found_is_no_answer(self, decider):
        result = decider.decide([], k=5)
        assert result.decision == "no_answer" and result.candidates == () and result.confidence == 0.0

    def test_two_close_candidates_clarify_even_when_confident(self, decider):
        result = decider.decide(ranked(0.62, 0.55, 0.1), k=5)
        assert result.decision == "clarify"
        assert [c.entry_id for c in result.candidates] == ["e0", "e1"]

    def test_uncertain_top_clarifies_with_plausible_runners_up(self, decider):
        result = decider.decide(ranked(0.42, 0.2, 0.16, 0.05), k=5)
        assert result.decision == "clarify"
        assert [c.entry_id for c in result.candidates] == ["e0", "e1", "e2"]

    def test_clarify_offers_at_most_max_options(self):
        decider = Decider(KnowledgeSettings(model="fake", max_clarify_options=2))
        result = decider.decide(ranked(0.45, 0.44, 0.43, 0.42), k=5)
        assert result.decision == "clarify" and len(result.candidates) == 2

    def test_clarify_has_two_options_when_runners_up_are_weak(self, decider):
        result = decider.decide(ranked(0.4, 0.01), k=5)
        assert result.decision == "clarify" and len(result.candidates) == 2

    def test_thresholds_come_from_settings(self):
        strict = Decider(KnowledgeSettings(model="fake", answer_threshold=0.95, clarify_threshold=0.9))
        assert strict.decide(ranked(0.9, 0.1), k=5).decision == "clarify"
        assert strict.decide(ranked(0.8, 0.1), k=5).decision == "no_answer"

    def test_clarify_threshold_above_answer_threshold_is_rejected(self):
        with pytest.raises(ValidationError, match="clarify_threshold"):
            KnowledgeSettings(answer_threshold=0.4, clarify_threshold=0.6)


class TestFusion:
    def test_confidence_in_unit_interval_and_ordered(self):
        fusion = LinearFusion()
        scores = fusion.rank_scores(np.array([0.9, 0.5, 0.2]), np.array([0.8, 0.3, 0.0]), cjk=0.0)
        assert scores[0] > scores[1] > scores[2]
        conf = fusion.confidences(np.sort(scores)[::-1], fusion.null_score(0.0))
        assert ((conf >= 0) & (conf <= 1)).all() and conf[0] > conf[1] > conf[2]

    def test_close_rivals_lower_the_top_confidence(self):
        fusion = LinearFusion()
        alone = fusion.confidences(np.array([2.0, -3.0]), -9.0)[0]
        rivalled = fusion.confidences(np.array([2.0, 1.9]), -9.0)[0]
        assert rivalled < alone

    def test_round_trip_and_bad_weights(self):
        fusion = LinearFusion((-1, 2, 3, 4, 5), (0, 1, 2))
        assert LinearFusion.from_dict(fusion.to_dict()).to_dict() == fusion.to_dict()
        with pytest.raises(ValueError):
            LinearFusion((1, 2), (0, 1, 2))
        with pytest.raises(ValueError):
            LinearFusion((np.nan, 0, 0, 0, 0), (0, 1, 2))

    def test_fit_logistic_learns_the_signal_and_keeps_the_prior_without_data(self):
        rng = np.random.default_rng(0)
        x1 = rng.normal(size=2000)
        y = (rng.random(2000) < 1 / (1 + np.exp(-(3 * x1 - 1)))).astype(float)
        x = np.column_stack([np.ones_like(x1), x1])
        w = fit_logistic(x, y, prior=np.array([-20.0, -5.0]))  # a far-off, saturated start
        assert w == pytest.approx([-1, 3], abs=0.35)
        kept = fit_logistic(x[:0], y[:0], prior=np.array([0.5, 2.0]))
        assert kept == pytest.approx([0.5, 2.0])
