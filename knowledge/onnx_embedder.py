"""Sentence embeddings through ONNX Runtime, so a serving process never imports torch.

`OnnxEmbedder` runs a model exported by `export_model`: the sentence-transformers model's own
modules (transformer, pooling, normalisation) traced as one graph whose output is the final
embedding, plus an int8 copy (dynamic quantization of the weight matrices). Tokenizing uses the
`tokenizers` library with the model's tokenizer, truncated at the model's max_seq_length.

An export is checked against the PyTorch embeddings of `CHECK_SENTENCES` before anyone uses it,
and the outcome is written to `check.json` beside it; later starts read that file and load
only onnxruntime. Export and check run once, in a child process (`python -m
knowledge.onnx_embedder MODEL_DIR OUT_DIR`), so even the first start keeps torch out of the server.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Sequence

import numpy as np

__all__ = ["OnnxEmbedder", "export_model", "read_check", "CHECK_SENTENCES", "MIN_MEAN_COSINE", "MIN_COSINE"]

log = logging.getLogger(__name__)

FORMAT = 1
FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}
# Cosine to the PyTorch embedding of the same sentence, over CHECK_SENTENCES encoded both in one
# batch and one at a time. fp32 exports score 1.0000; the int8 one 0.991 mean and 0.968 at worst
# (the emoji line, mostly [UNK]), and costs 0.05 points of CLINC150 top-1 (docs/benchmarks.md).
# A wrong export (bad pooling, quantized attention products) scores 0.94 or less on the mean;
# the bounds leave int8 room for other CPUs' kernels while still rejecting those.
MIN_MEAN_COSINE = 0.985
MIN_COSINE = 0.95

CHECK_SENTENCES = (
    "How do I reset my password?", "I forgot my login password", "What are your opening hours?",
    "can i get a refund for a damaged item", "where is my package, it's been 2 weeks!!",
    "Please transfer $500 from checking to savings.", "what's the exchange rate for euros to dollars",
    "cancel my order #A-10293", "hi", "Is it safe to pay with a credit card on your site?",
    "The app keeps crashing when I open the camera on my Android phone.",
    "如何申请退款", "快递几天能到", "我想修改收货地址", "会员积分怎么用", "人工客服", "你们几点开门？",
    "我的iphone坏了 warranty", "怎么开invoice", "iPhone 15 怎么申请退款", "VIP会员续费失败了",
    "Ünïcödé café naïve résumé", "😀 thanks a lot", "   leading and trailing spaces   ",
    "order " * 300,  # longer than max_seq_length: truncated the same way
)


class OnnxEmbedder:
    """An exported model in `directory`; `variant` is "fp32" or "int8". Thread-safe."""

    def __init__(self, directory: Path, variant: str = "int8", threads: int = 0, batch_size: int = 64) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        if variant not in FILES:
            raise ValueError(f"variant must be one of {sorted(FILES)}, got {variant!r}")
        directory = Path(directory)
        info = json.loads((directory / "export.json").read_text(encoding="utf-8"))
        self._tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self._tok.enable_truncation(max_length=int(info["max_seq_length"]))
        self._tok.enable_padding(pad_id=int(info["pad_id"]), pad_token=info["pad_token"])  # to the longest
        self._lower = bool(info["do_lower_case"])
        options = ort.SessionOptions()
        # int8 encodes one sentence per call (see encode); splitting such a small product over
        # threads costs ~25% more CPU than it saves in time, so a batch's sentences run side by
        # side instead, one thread each. fp32 batches use onnxruntime's own threads.
        cores = threads or min(4, os.cpu_count() or 1)
        self._workers = cores if variant == "int8" else 1
        self._executor: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        options.intra_op_num_threads = 1 if variant == "int8" else threads  # 0: one per core
        options.inter_op_num_threads = 1
        # Spinning threads burn the other engineers' (and our own event loop's) shared cores.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(directory / FILES[variant]), options, providers=["CPUExecutionProvider"])
        self._inputs = [i.name for i in self._session.get_inputs()]
        self._dim = int(info["dim"])
        self._batch_size = batch_size
        self._name = f"onnx-{variant}:{info['source']}"
        self.variant = variant

    @property
    def name(self) -> str:
        return self._name

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        # int8 quantizes activations with one scale per call, so in a batch a sentence's vector
        # would depend on its batch mates (cosine ~0.99; 5% of CLINC150 decisions flipped between
        # batched and single search). One sentence per call keeps answers deterministic and costs
        # nothing on short questions: batching them only adds padding.
        size = 1 if self.variant == "int8" else self._batch_size
        # similar lengths share a call, so little time goes into padding
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        step = 256 if size == 1 else size
        chunks = [order[start : start + step] for start in range(0, len(texts), step)]
        if progress and len(texts) > 1000:
            from tqdm import tqdm

            chunks = tqdm(chunks, desc="embedding", unit="chunk", miniters=max(1, len(chunks) // 100))
        for rows in chunks:
            if size == 1:
                self._encode_singly(texts, rows, out)
            else:
                out[rows] = self._run([texts[i] for i in rows])
        return out

    def _encode_singly(self, texts: Sequence[str], rows: list[int], out: np.ndarray) -> None:
        """One call per sentence, a slice per worker; this thread encodes the first slice, so a
        batch costs one hand-off per extra worker, not one per sentence."""
        slices = [rows[w :: self._workers] for w in range(min(self._workers, len(rows)))]
        others = [self._pool().submit(self._encode_each, texts, part, out) for part in slices[1:]]
        self._encode_each(texts, slices[0], out)
        for job in others:
            job.result()

    def _encode_each(self, texts: Sequence[str], rows: list[int], out: np.ndarray) -> None:
        for i in rows:
            out[i] = self._run([texts[i]])[0]

    def _pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._executor is None:  # the calling thread is the first worker
                self._executor = ThreadPoolExecutor(max(1, self._workers - 1), thread_name_prefix="kefu-encode")
            return self._executor

    def _run(self, texts: list[str]) -> np.ndarray:
        texts = [t.strip().lower() if self._lower else t.strip() for t in texts]
        enc = self._tok.encode_batch(texts)
        arrays = {
            "input_ids": [e.ids for e in enc], "attention_mask": [e.attention_mask for e in enc],
            "token_type_ids": [e.type_ids for e in enc],
        }
        feed = {name: np.array(arrays[name], dtype=np.int64) for name in self._inputs}
        return self._session.run(None, feed)[0]


def export_model(model_dir: Path, out_dir: Path, threads: int = 0) -> dict:
    """Export, quantize and check `model_dir` into `out_dir` (written whole or not at all)."""
    os.environ["HF_HUB_OFFLINE"] = "1"  # read at import time by huggingface_hub
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from sentence_transformers import SentenceTransformer

    if threads:
        torch.set_num_threads(threads)
    model = SentenceTransformer(str(model_dir), device="cpu").eval()
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out_dir.parent))
    try:
        sample = model.preprocess(["a short one", "a somewhat longer second sentence"])
        names = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in sample]

        class Graph(torch.nn.Module):  # the model's own modules, from token ids to the embedding
            def __init__(self) -> None:
                super().__init__()
                self.model = model

            def forward(self, *tensors):
                return self.model(dict(zip(names, tensors)))["sentence_embedding"]

        axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"sentence_embedding": {0: "batch"}}
        with torch.no_grad():
            torch.onnx.export(Graph(), tuple(sample[n] for n in names), str(tmp / FILES["fp32"]), dynamo=False,
                              input_names=names, output_names=["sentence_embedding"], dynamic_axes=axes,
                              opset_version=17)
        # Weight matrices only, per output channel: quantizing the attention's activation x
        # activation products too (the default) drops the mean cosine to ~0.94.
        quantize_dynamic(str(tmp / FILES["fp32"]), str(tmp / FILES["int8"]), weight_type=QuantType.QInt8,
                         per_channel=True, op_types_to_quantize=["MatMul"], extra_options={"MatMulConstBOnly": True})
        model.tokenizer.backend_tokenizer.save(str(tmp / "tokenizer.json"))
        pad = model.tokenizer.pad_token
        info = {
            "format": FORMAT, "source": out_dir.name, "dim": int(model.get_embedding_dimension()),
            "max_seq_length": int(model.max_seq_length), "do_lower_case": bool(getattr(model[0], "do_lower_case", False)),
            "pad_token": pad, "pad_id": int(model.tokenizer.convert_tokens_to_ids(pad)),
        }
        (tmp / "export.json").write_text(json.dumps(info), encoding="utf-8")
        reference = model.encode(list(CHECK_SENTENCES), convert_to_numpy=True, normalize_embeddings=True)
        check = {"format": FORMAT, "variants": {v: _check(tmp, v, reference, threads) for v in FILES}}
        (tmp / "check.json").write_text(json.dumps(check, indent=1), encoding="utf-8")
        current = read_check(out_dir)
        if current is not None:  # another process finished first and may be using it: keep it
            shutil.rmtree(tmp)
            return current
        if out_dir.exists():
            shutil.rmtree(out_dir)  # an export of an older format
        os.rename(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return check


def read_check(directory: Path) -> dict | None:
    """The check of a complete export of the current format in `directory`, else None."""
    try:
        check = json.loads((directory / "check.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return check if check.get("format") == FORMAT else None


def _check(directory: Path, variant: str, reference: np.ndarray, threads: int) -> dict:
    emb = OnnxEmbedder(directory, variant, threads=threads)
    batch = emb.encode(list(CHECK_SENTENCES))
    single = np.vstack([emb.encode([t]) for t in CHECK_SENTENCES])
    cosines = np.concatenate([(batch * reference).sum(1), (single * reference).sum(1)])
    mean, low = float(cosines.mean()), float(cosines.min())
    ok = mean >= MIN_MEAN_COSINE and low >= MIN_COSINE
    return {"ok": ok, "mean_cosine": round(mean, 5), "min_cosine": round(low, 5),
            "thresholds": [MIN_MEAN_COSINE, MIN_COSINE]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Export a sentence-transformers model to ONNX and check it.")
    ap.add_argument("model_dir", type=Path)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args(argv)
    check = export_model(args.model_dir, args.out_dir, args.threads)
    json.dump(check, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
