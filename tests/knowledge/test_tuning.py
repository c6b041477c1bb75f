"""`kefu kb tune`: training batches, the loss, the tuned-model pointer, and (slow) real tuning of the default model."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedder import load_embedder
from knowledge.entry_batches import EntryBatches
from knowledge.settings import KnowledgeSettings
from knowledge.tune_loss import supcon_prototype_loss
from knowledge.tuning import (MARKER, POINTER, TUNED_FEW_SHOT_ALPHA, TUNED_KNN_WEIGHT, TuningError, is_tuned_model, tune_model,
                              tuned_model_path, with_tuned_model)
from knowledge.types import FaqEntry


def faq(id: str, question: str, *variants: str, status: str = "published") -> FaqEntry:
    return FaqEntry(id=id, question=question, answer="a", variants=variants, status=status)


KB = [
    faq("password", "How do I reset my password?", "I forgot my password", "change login password"),
    faq("hours", "What are your opening hours?", "when do you open", "store opening times"),
    faq("refund", "How do I get a refund?", "I want my money back", "refund my order"),
    faq("shipping", "How long does delivery take?", "when will my parcel arrive", "shipping time"),
]


class TestEntryBatches:
    def test_an_epoch_shows_every_phrasing_once_with_its_entry(self):
        made = EntryBatches(KB, entries_per_batch=4, per_entry=2)
        seen = [(t, made.entry_ids[label]) for b in made.epoch() for t, label in zip(b.texts, b.labels)]
        assert sorted(seen) == sorted((t, e.id) for e in KB for t in e.phrasings)

    def test_the_files_order_does_not_change_the_batches(self):
        forward, backward = EntryBatches(KB, 4, 2, seed=1), EntryBatches(list(reversed(KB)), 4, 2, seed=1)
        assert forward.entry_ids == backward.entry_ids == sorted(e.id for e in KB)
        assert forward.epoch() == backward.epoch()

    def test_batches_hold_distinct_entries_with_two_or_more_phrasings_each(self):
        big = [faq(f"e{i}", f"question {i}", *[f"variant {i} {j}" for j in range(i + 1)]) for i in range(12)]
        batches = EntryBatches(big, entries_per_batch=5, per_entry=4, seed=3).epoch()
        for batch in batches:
            counts = Counter(batch.labels)
            assert len(counts) <= 5
            assert min(counts.values()) >= 2  # 5 phrasings split 3 + 2, never 4 + 1
            assert max(counts.values()) <= 4
        assert sum(len(b.texts) for b in batches) == sum(i + 2 for i in range(12))

    def test_each_epoch_is_a_fresh_draw(self):
        big = [faq(f"e{i}", f"question {i}", *[f"variant {i} {j}" for j in range(7)]) for i in range(10)]
        batches = EntryBatches(big, entries_per_batch=4, per_entry=4, seed=1)
        assert [b.texts for b in batches.epoch()] != [b.texts for b in batches.epoch()]

    def test_entries_without_variants_contribute_nothing(self):
        with pytest.raises(ValueError, match="at least 2 entries"):
            EntryBatches([faq("a", "only a question"), KB[0]])


class TestLoss:
    def test_loss_is_lower_when_phrasings_of_an_entry_agree(self):
        import torch
        labels = torch.tensor([0, 0, 1, 1])
        prototypes = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
        grouped = torch.tensor([[1.0, 0.1], [0.9, 0.0], [0.0, 1.0], [0.1, 0.9]])
        mixed = torch.tensor([[1.0, 0.1], [0.0, 1.0], [0.9, 0.0], [0.1, 0.9]])
        good = supcon_prototype_loss(torch, grouped, labels, prototypes)
        bad = supcon_prototype_loss(torch, mixed, labels, prototypes)
        assert float(good) < 0.1 < float(bad)

    def test_a_batch_of_lone_phrasings_still_learns_from_the_prototypes(self):
        import torch
        embeddings = torch.tensor([[1.0, 0.0], [0.0, 1.0]], requires_grad=True)
        loss = supcon_prototype_loss(torch, embeddings, torch.tensor([1, 0]), torch.tensor([[1.0, 0.0], [0.0, 1.0]]))
        loss.backward()
        assert loss.item() > 1 and embeddings.grad.abs().sum().item() > 0


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


class TestTunedModelWeighsTheCosine:
    def test_a_model_tuned_on_the_kb_gives_the_cosine_more_weight_in_the_scope_score(self, tmp_path):
        from knowledge.fake_embedder import FakeEmbedder
        from knowledge.retriever import Retriever

        (tmp_path / MARKER).write_text("{}")
        tuned = Retriever(KnowledgeSettings(model=str(tmp_path)), FakeEmbedder())
        plain = Retriever(KnowledgeSettings(model="fake"), FakeEmbedder())
        assert tuned._trainer.config.knn_weight == TUNED_KNN_WEIGHT > plain._trainer.config.knn_weight == 1.0
        assert tuned._trainer.config.alpha_few_shot == TUNED_FEW_SHOT_ALPHA and plain._trainer.config.alpha_few_shot is None


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
    assert result.phrasings == 24 and result.steps == 2  # 12 phrasings per epoch: one batch of all 4 entries
    tuned_settings = with_tuned_model(settings, tmp_path)
    assert tuned_settings.model == str(result.path)
    assert is_tuned_model(tuned_settings.model) and not is_tuned_model(settings.model)
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
