"""GPU fast path: trials per hour and GPU utilisation with 1 vs 4 workers sharing one GPU.

Workers are `nas search` processes on one SQLite study (see parallel.py; switch LAUNCH there
to "flag" once `--workers` exists). Utilisation is sampled every 0.5 s with nvidia-smi (or
torch.cuda.utilization when nvidia-smi is missing) while the workers run. On a machine without
CUDA it prints why it cannot measure and exits with status 0, so `run.py` goes on.
"""
from __future__ import annotations

try:
    from benchmarks._common import median, parse_quick, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import median, parse_quick, table

import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from benchmarks.parallel import LAUNCH, run_workers


def _utilisation() -> float | None:
    """GPU 0 utilisation in percent, or None when it cannot be read."""
    if shutil.which("nvidia-smi"):
        out = subprocess.run(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits", "-i", "0"],
                             capture_output=True, text=True, check=False).stdout.strip()
        return float(out) if out.replace(".", "", 1).isdigit() else None
    try:
        import torch

        return float(torch.cuda.utilization(0))
    except Exception:  # noqa: BLE001 - pynvml missing: no reading
        return None


def _sampled(fn: Any) -> tuple[Any, list[float]]:
    """Run fn() while sampling utilisation every 0.5 s in a thread."""
    samples: list[float] = []
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.5):
            u = _utilisation()
            if u is not None:
                samples.append(u)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        return fn(), samples
    finally:
        stop.set()
        thread.join()


def main(quick: bool = False) -> list[list[Any]] | None:
    import os

    import torch

    if not torch.cuda.is_available():
        print("6. GPU fast path: not measured: no CUDA GPU on this machine (torch.cuda.is_available() is False). "
              "Run `python benchmarks/gpu.py` on a GPU machine.")
        return None
    trials = 16 if quick else 48
    extra = ["--task", "image", "--device", "cuda", "--epochs", "4" if quick else "12"]
    threads = max(1, (os.cpu_count() or 4) // 4)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        base = None
        for n in (1, 4):
            result, util = _sampled(lambda: run_workers(n, trials, Path(d), threads, extra))
            base = base or result["per_hour"]
            rows.append([n, result["done"], result["seconds"], result["per_hour"], result["per_hour"] / base,
                         median(util) if util else "-", max(util) if util else "-"])
    table(f"6. GPU: {torch.cuda.get_device_name(0)}, digits, image space, {extra[-1]} epochs/trial, {trials} trials, "
          f"workers as {LAUNCH}", ["workers", "trials", "seconds", "trials/hour", "speed-up", "GPU util % (median)", "GPU util % (max)"], rows)
    return rows


if __name__ == "__main__":
    main(parse_quick())
