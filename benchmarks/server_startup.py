"""Start-to-ready time and resident memory of `kefu run` with the demo knowledge base.

Starts the server twice on a fresh temporary data directory and a free port: the first start
exports the model to ONNX (unless --models points at an existing export) and builds the index,
the second reuses both. For each start: seconds from process start to the first `GET /healthz`
200, then the resident memory after --requests distinct REST questions. Prints one JSON line per
start. Figures go in docs/benchmarks.md ("Search latency").

    .venv/bin/python benchmarks/server_startup.py
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from procs import memory_mb as memory_mb_of  # noqa: E402
from procs import with_children  # noqa: E402
from questions import make_questions  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb(pid: int) -> dict[str, float]:
    """Summed over the server and its search process."""
    pids = with_children([pid])
    return {"processes": len(pids), "VmRSS": memory_mb_of(pids, "Rss"), "VmHWM": memory_mb_of(pids, "VmHWM")}


def wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.02)
    raise TimeoutError(f"not ready after {timeout} s")


def one_start(data_dir: Path, models: Path, requests: int, timeout: float, encoder: str, show_log: bool) -> dict:
    port = free_port()
    env = {**os.environ, "KEFU_SERVER__DATA_DIR": str(data_dir), "KEFU_KNOWLEDGE__MODEL_CACHE_DIR": str(models),
           "KEFU_KNOWLEDGE__ENCODER": encoder, "KEFU_KNOWLEDGE__THREADS": "1"}
    cmd = [str(Path(sys.executable).parent / "kefu"), "-c", str(data_dir / "none.yml"), "run", "--port", str(port)]
    start = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc, timeout)
        ready = time.monotonic() - start
        at_ready = memory_mb(proc.pid)
        for i, text in enumerate(make_questions(ROOT / "knowledge/data/demo_faq.json", requests)):
            body = json.dumps({"sender": f"startup-{i // 20}", "message": text}).encode()
            req = urllib.request.Request(url + "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
            with urllib.request.urlopen(req, timeout=30) as resp:
                resp.read()
        after = memory_mb(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    if show_log:
        print(err, file=sys.stderr)
    encoder_line = next((line for line in err.splitlines() if "encoder:" in line or "using PyTorch" in line), "")
    return {"ready_s": round(ready, 2), "rss_at_ready_mb": at_ready.get("VmRSS"),
            f"rss_after_{requests}_requests_mb": after.get("VmRSS"), "peak_rss_mb": after.get("VmHWM"),
            "processes": after.get("processes"), "encoder_log": encoder_line.strip()[-120:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--encoder", default="auto", choices=["auto", "torch", "onnx", "onnx-int8"])
    ap.add_argument("--models", type=Path, help="an existing ONNX export cache to reuse (default: a fresh one)")
    ap.add_argument("--starts", type=int, default=2, help="starts on the same data directory")
    ap.add_argument("--data-dir", type=Path, help="use (and keep) this data directory instead of a fresh one")
    ap.add_argument("--show-log", action="store_true", help="print the server's log after each start")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="kefu-startup-") as tmp:
        data_dir = args.data_dir or Path(tmp) / "data"
        data_dir.mkdir(parents=True, exist_ok=True)
        models = args.models or data_dir / "index" / "models"
        for n in range(1, args.starts + 1):
            load = "/".join(f"{x:.1f}" for x in os.getloadavg())
            result = one_start(data_dir, models, args.requests, args.timeout, args.encoder, args.show_log)
            print(json.dumps({"start": n, "load_average": load, **result}), flush=True)


if __name__ == "__main__":
    main()
