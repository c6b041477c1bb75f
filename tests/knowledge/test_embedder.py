"""Embedders: the deterministic fake (fast) and the shipped default model (slow)."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from knowledge.embedder import Embedder, EmbedderError, SentenceTransformerEmbedder, default_model_dir, load_embedder
from knowledge.fake_embedder import FakeEmbedder
from knowledge.settings import KnowledgeSettings


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


class TestFakeEmbedder:
    def test_shape_dtype_and_unit_norm(self):
        vecs = FakeEmbedder(dim=64).encode(["reset my password", "退货怎么办", "a"])
        assert vecs.shape == (3, 64) and vecs.dtype == np.float32
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-5)

    def test_deterministic_across_instances_and_processes(self):
        here = FakeEmbedder().encode(["how do I reset my password"])[0]
        code = (
            "from knowledge.fake_embedder import FakeEmbedder;"
            "print(','.join(repr(float(x)) for x in FakeEmbedder().encode(['how do I reset my password'])[0]))"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        np.testing.assert_allclose(here, np.array([float(x) for x in out.split(",")]), rtol=1e-6)

    def test_similar_strings_are_closer(self):
        a, b, c = FakeEmbedder().encode(["how do I reset my password", "reset password how", "opening hours of the shop"])
        assert cos(a, b) > cos(a, c) + 0.2

    def test_counts_calls_and_sentences(self):
        emb = FakeEmbedder()
        emb.encode(["a", "b"])
        emb.encode(["c"])
        assert (emb.calls, emb.sentences) == (2, 3)

    def test_is_an_embedder_and_rejects_tiny_dim(self):
        assert isinstance(FakeEmbedder(), Embedder)
        with pytest.raises(ValueError, match="dim"):
            FakeEmbedder(dim=2)


def test_load_embedder_fake():
    emb = load_embedder(KnowledgeSettings(model="fake"))
    assert isinstance(emb, FakeEmbedder)


def test_default_model_dir_is_inside_the_wheel():
    d = default_model_dir()
    assert d.name == "model" and (d / "modules.json").is_file()


@pytest.mark.slow
def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbedderError, match="cannot load embedding model"):
        SentenceTransformerEmbedder(tmp_path / "no-such-model")


@pytest.mark.slow
def test_default_model_encodes_normalised_and_meaningful():
    emb = load_embedder(KnowledgeSettings())
    assert isinstance(emb, SentenceTransformerEmbedder) and emb.dim == 384
    assert emb.name.startswith("st:model:")
    vecs = emb.encode(["How can I reset my password?", "I forgot my login password", "What time do you open?"])
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-4)
    assert cos(vecs[0], vecs[1]) > cos(vecs[0], vecs[2]) + 0.2
    assert emb.encode([]).shape == (0, 384)
