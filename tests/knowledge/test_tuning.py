"""`kefu kb tune`: pair sampling, the tuned-model pointer, and (slow) real tuning of the default model."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedder import load_embedder
from knowledge.pair_sampler import PairSampler
from knowledge.settings import KnowledgeSettings
from knowledge.tuning import POINTER, TuningError, tune_model, tuned_model_path, with_tuned_model
from knowledge.types import FaqEntry


def faq(id: str, question: str, *variants: str, status: str = "published") -> FaqEntry:
    return FaqEntry(id=id, question=question, answer="a", variants=variants, status=status)


KB = [
    faq("password", "How do I reset my password?", "I forgot my password", "change login password"),
    faq("hours", "What are your opening hours?", "when do you open", "store opening times"),
    faq("refund", "How do I get a refund?", "I want my money back", "refund my order"),
    faq("shipping", "How long does delivery take?", "when will my parcel arrive", "shipping time"),
]


class TestPairSampler:
    def test_pairs_join_two_phrasings_of_one_entry(self):
        sampler = PairSampler(KB, max_pairs=100)
        pairs = sampler.pairs()
        assert len(pairs) == 12 == sampler.pairs_per_epoch  # every phrasing is an anchor once
        for p in pairs:
            phrasings = KB[p.entry].phrasings
            assert p.anchor in phrasings and p.positive in phrasings and p.anchor != p.positive

    def test_no_entry_twice_in_a_batch(self):
        big = [faq(f"e{i}", f"question {i}", *[f"variant {i} {j}" for j in range(i + 1)]) for i in range(12)]
        sampler = PairSampler(big, max_pairs=1000, seed=3)
        batches = sampler.batches(sampler.pairs(), batch_size=8)
        assert batches and all(2 <= len(b) <= 8 for b in batches)
        for batch in batches:
            assert len({p.entry for p in batch}) == len(batch)

    def test_max_pairs_keeps_every_entry(self):
        big = [faq(f"e{i}", f"question {i}", *[f"variant {i} {j}" for j in range(30)]) for i in range(5)]
        pairs = PairSampler(big, max_pairs=10).pairs()
        assert len(pairs) == 10 and {p.entry for p in pairs} == set(range(5))

    def test_entries_without_variants_contribute_nothing(self):
        with pytest.raises(ValueError, match="at least 2 entries"):
            PairSampler([faq("a", "only a question"), KB[0]], max_pairs=10)


class TestPointer:
    def saved_model(self, data_dir: Path, base: str = "default") -> Path:
        path = data_dir / "models" / "tuned-abc"
        path.mkdir(parents=True)
        (path / "config.json").write_text("{}")
        (data_dir / "models" / POINTER).write_text(json.dumps({"path": "tuned-abc", "base_model": base}))
        return path

    def test_no_pointer_keeps_the_configured_model(self, tmp_path):
        settings = KnowledgeSettings()
        assert tuned_model_path(tmp_path, settings) is None
        assert with_tuned_model(settings, tmp_path) is settings

    def test_pointer_replaces_the_model(self, tmp_path):
        path = self.saved_model(tmp_path)
        assert with_tuned_model(KnowledgeSettings(), tmp_path).model == str(path)

    def test_pointer_of_another_base_model_is_ignored(self, tmp_path):
        self.saved_model(tmp_path, base="some/other-model")
        assert tuned_model_path(tmp_path, KnowledgeSettings()) is None

    def test_broken_pointer_names_the_file(self, tmp_path):
        (tmp_path / "models").mkdir()
        (tmp_path / "models" / POINTER).write_text("{not json")
        with pytest.raises(TuningError, match="current.json"):
            tuned_model_path(tmp_path, KnowledgeSettings())

    def test_pointer_to_a_missing_model(self, tmp_path):
        path = self.saved_model(tmp_path)
        (path / "config.json").unlink()
        with pytest.raises(TuningError, match="not a saved model"):
            tuned_model_path(tmp_path, KnowledgeSettings())


class TestRefusals:
    def test_fake_model_cannot_be_tuned(self, tmp_path):
        with pytest.raises(TuningError, match="fake"):
            tune_model(KnowledgeSettings(model="fake"), KB, tmp_path, progress=False)

    def test_too_few_variants(self, tmp_path):
        with pytest.raises(TuningError, match="at least 2 entries"):
            tune_model(KnowledgeSettings(), KB[:1], tmp_path, progress=False)

    def test_drafts_are_not_learnt_from(self, tmp_path):
        drafts = [faq(e.id, e.question, *e.variants, status="draft") for e in KB]
        with pytest.raises(TuningError, match="has 0"):
            tune_model(KnowledgeSettings(), drafts, tmp_path, progress=False)


@pytest.mark.slow
def test_tuning_saves_a_model_that_loads_and_pulls_variants_together(tmp_path):
    settings = KnowledgeSettings(threads=1)
    before = load_embedder(settings)
    result = tune_model(settings, KB, tmp_path, epochs=2, learning_rate=1e-4, progress=False)

    assert result.path.parent == tmp_path / "models" and result.path.name == f"tuned-{result.kb_hash}"
    assert result.pairs == 24 and result.steps == 6  # 12 pairs per epoch in batches of 4 entries
    tuned_settings = with_tuned_model(settings, tmp_path)
    assert tuned_settings.model == str(result.path)
    after = load_embedder(tuned_settings)  # the saved folder loads like any sentence-transformers model
    assert after.dim == before.dim and after.name != before.name

    texts = [t for e in KB for t in e.phrasings]
    old, new = before.encode(texts), after.encode(texts)
    assert not np.allclose(old, new, atol=1e-3)
    labels = np.repeat(np.arange(len(KB)), 3)
    same = (labels[:, None] == labels[None, :]) & ~np.eye(len(texts), dtype=bool)

    def within(vectors: np.ndarray) -> float:  # mean cosine between phrasings of the same entry
        return float((vectors @ vectors.T)[same].mean())

    assert within(new) > within(old)
