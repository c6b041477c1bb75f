"""The ONNX Runtime encoder: export once, checked against PyTorch, loaded without torch, fallbacks."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from knowledge.embedder import SentenceTransformerEmbedder, default_model_dir, load_embedder
from knowledge.onnx_embedder import MIN_COSINE, MIN_MEAN_COSINE, OnnxEmbedder
from knowledge.retriever import Retriever
from knowledge.settings import KnowledgeSettings
from tests.knowledge.test_retriever import KB, top

# not in CHECK_SENTENCES: the export was never checked on these
FRESH = ["my card was charged twice", "where can I find the terms of service", "账户被冻结了怎么办",
         "能用支付宝付款吗", "refund 还没到账", "I want to speak with a manager right now"]

pytestmark = pytest.mark.slow


def onnx_settings(cache: Path, **kw) -> KnowledgeSettings:
    return KnowledgeSettings(model_cache_dir=str(cache), threads=1, **kw)


@pytest.fixture(scope="session")
def exported(tmp_path_factory) -> tuple[Path, OnnxEmbedder]:
    """One export per test session (~15 s): through the factory, as a server's first start does."""
    cache = tmp_path_factory.mktemp("models")
    return cache, load_embedder(onnx_settings(cache))


@pytest.fixture(scope="session")
def torch_embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(default_model_dir(), threads=1)


def export_dir(cache: Path) -> Path:
    (directory,) = [d for d in cache.iterdir() if not d.name.startswith(".")]
    return directory


def test_auto_picks_the_checked_int8_export(exported):
    cache, emb = exported
    assert isinstance(emb, OnnxEmbedder) and emb.variant == "int8" and emb.dim == 384
    assert emb.name.startswith("onnx-int8:model-")
    check = json.loads((export_dir(cache) / "check.json").read_text())["variants"]
    assert check["fp32"]["ok"] and check["fp32"]["min_cosine"] > 0.9999
    assert check["int8"]["ok"] and check["int8"]["mean_cosine"] >= MIN_MEAN_COSINE
    assert check["int8"]["min_cosine"] >= MIN_COSINE


def test_embeddings_match_pytorch_on_unseen_sentences(exported, torch_embedder):
    cache, int8 = exported
    fp32 = load_embedder(onnx_settings(cache, encoder="onnx"))
    assert isinstance(fp32, OnnxEmbedder) and fp32.variant == "fp32"
    ref = torch_embedder.encode(FRESH)
    assert np.min(np.sum(fp32.encode(FRESH) * ref, axis=1)) > 0.9999
    cos = np.sum(int8.encode(FRESH) * ref, axis=1)
    assert cos.mean() >= MIN_MEAN_COSINE and cos.min() >= MIN_COSINE
    np.testing.assert_allclose(np.linalg.norm(int8.encode(FRESH), axis=1), 1.0, rtol=1e-4)
    # order is kept although encode sorts texts by length into batches
    one_by_one = np.vstack([fp32.encode([t]) for t in FRESH])
    np.testing.assert_allclose(fp32.encode(FRESH), one_by_one, atol=1e-5)
    # int8 vectors never depend on the other sentences of a call (batched searches stay deterministic)
    np.testing.assert_array_equal(int8.encode(FRESH), np.vstack([int8.encode([t]) for t in FRESH]))
    assert int8.encode([]).shape == (0, 384)


def test_cached_export_loads_without_torch(exported):
    cache, _ = exported
    code = (
        "import sys\n"
        "from knowledge.embedder import load_embedder\n"
        "from knowledge.settings import KnowledgeSettings\n"
        f"emb = load_embedder(KnowledgeSettings(model_cache_dir={str(cache)!r}, threads=1))\n"
        "v = emb.encode(['how do I reset my password', '退款'])\n"
        "assert v.shape == (2, 384), v.shape\n"
        "print(emb.name, 'torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2]).stdout.split()
    assert out[0].startswith("onnx-int8:") and out[1:] == ["False", "False"]


def test_failed_checks_fall_back_to_fp32_then_torch(exported, tmp_path, caplog):
    cache, _ = exported
    copy = tmp_path / "models"
    shutil.copytree(cache, copy, copy_function=os.link, ignore=shutil.ignore_patterns(".*"))
    check_file = export_dir(copy) / "check.json"
    check_file.unlink()  # a hard link: rewrite our own copy only
    check = json.loads((export_dir(cache) / "check.json").read_text())
    check["variants"]["int8"]["ok"] = False
    check_file.write_text(json.dumps(check))
    with caplog.at_level(logging.WARNING):
        emb = load_embedder(onnx_settings(copy))
    assert isinstance(emb, OnnxEmbedder) and emb.variant == "fp32"
    assert "ONNX int8 export of model differs from PyTorch" in caplog.text
    check["variants"]["fp32"]["ok"] = False
    check_file.write_text(json.dumps(check))
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        assert isinstance(load_embedder(onnx_settings(copy, encoder="onnx")), SentenceTransformerEmbedder)
    assert "no usable ONNX export of model: using PyTorch" in caplog.text


def test_failed_export_falls_back_to_torch(tmp_path, caplog):
    from knowledge.embedder import _load_onnx

    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}")
    with caplog.at_level(logging.WARNING):
        assert _load_onnx(broken, tmp_path / "models", onnx_settings(tmp_path / "models")) is None
    assert "ONNX export of" in caplog.text and "failed, using PyTorch" in caplog.text
    assert not any(d.name.startswith("broken") for d in (tmp_path / "models").glob("*"))


def test_retriever_with_the_int8_encoder(exported, tmp_path):
    _, emb = exported
    r = Retriever(KnowledgeSettings(), emb, cache_dir=tmp_path)
    r.build(KB, "v1")
    assert top(r, "what time does the shop close") == "hours"
    assert top(r, "I can't log in, need a new password") == "password"
    assert top(r, "退款多久能到账") == "refund"
    assert r.search("recipe for chocolate chip cookies").decision == "no_answer"


def test_int8_spreads_a_batch_over_workers_with_the_same_vectors(exported):
    cache, single_worker = exported
    pooled = OnnxEmbedder(export_dir(cache), "int8", threads=2)
    texts = [f"{t} #{n}" for n in range(40) for t in FRESH]  # slices of uneven length
    vectors = pooled.encode(texts)
    assert pooled._executor is not None  # the batch really went to a second worker
    np.testing.assert_array_equal(vectors, single_worker.encode(texts))


def test_a_retuned_model_of_the_same_name_and_sizes_gets_its_own_export(exported, tmp_path):
    """`kefu kb tune` on the same KB rewrites tuned-<kb hash>/ with files of the same sizes: the
    export made from the old weights must not be served for the new ones."""
    cache, _ = exported
    model = tmp_path / "tuned-0123456789abcdef"
    shutil.copytree(default_model_dir(), model)
    first = load_embedder(onnx_settings(cache, model=str(model)))
    from safetensors.numpy import load_file, save_file

    size = (model / "model.safetensors").stat().st_size
    weights = load_file(model / "model.safetensors")
    (name,) = [k for k in weights if k.endswith("layer.5.output.dense.weight")]
    weights[name] = weights[name] * np.float32(1.5)  # other weights, same file size
    save_file(weights, model / "model.safetensors", metadata={"format": "pt"})
    assert (model / "model.safetensors").stat().st_size == size
    second = load_embedder(onnx_settings(cache, model=str(model)))
    assert first.name != second.name
    a, b = first.encode(FRESH), second.encode(FRESH)
    assert float(np.min(np.sum(a * b, axis=1))) < 0.9999  # the new weights are what encodes
