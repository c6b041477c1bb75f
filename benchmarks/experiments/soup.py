"""Average the weights of several models tuned from the same base ("model soup", Wortsman et al.
2022) into one folder, for the lab scripts' KEFU_LAB_MODEL.

    .venv/bin/python benchmarks/experiments/soup.py OUT_DIR MODEL_DIR MODEL_DIR [...]
"""
import shutil
import sys
from pathlib import Path

from safetensors.torch import load_file, save_file


def main(out: str, models: list[str]) -> None:
    out_dir = Path(out)
    shutil.copytree(models[0], out_dir, dirs_exist_ok=True)  # configs, tokenizer, kefu_tuned.json
    for weights in Path(models[0]).rglob("*.safetensors"):
        rel = weights.relative_to(models[0])
        tensors = [load_file(str(Path(m) / rel)) for m in models]
        mean = {k: sum(t[k].float() for t in tensors) / len(tensors) for k in tensors[0]}
        save_file({k: v.to(tensors[0][k].dtype).contiguous() for k, v in mean.items()}, str(out_dir / rel))
    print(f"{len(models)} models -> {out_dir}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
