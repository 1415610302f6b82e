"""Issue 4 measurement on digits: search, export all formats, predict the test split as PNG files,
retrain on train + validation, and a top-3 ensemble. Every step is the real CLI in a subprocess.

    /tmp/venv/bin/python benchmarks/export_digits.py [--trials 20] [--keep DIR]

Prints each command with its wall time and, at the end, the figures for the issue note.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def nas(cwd: Path, *args: object) -> tuple[str, float]:
    """Run `python -m nas ARGS` in `cwd`; exit on failure; return stdout and seconds."""
    cmd = [sys.executable, "-m", "nas", *map(str, args)]
    started = time.perf_counter()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NAS_")} | {"PYTHONPATH": str(REPO)}
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    print(f"$ nas {' '.join(map(str, args))}   [{seconds:.1f}s]\n{proc.stdout}{proc.stderr}", flush=True)
    if proc.returncode != 0:
        sys.exit(f"failed with exit code {proc.returncode}")
    return proc.stdout, seconds


def write_pngs(folder: Path) -> dict[str, int]:
    """The test split as PNGs of raw 0-16 pixel values (what load_digits holds); file -> label."""
    import numpy as np
    from PIL import Image

    from nas.data import DataSpec, load_data

    data = load_data(DataSpec(task="image"))
    p = data.preprocessing
    raw = np.rint((data.test.X.numpy() * p["std"][0] + p["mean"][0]) / p["scale"]).astype(np.uint8)
    folder.mkdir()
    labels = {}
    for i, (img, y) in enumerate(zip(raw, data.test.y.tolist())):
        Image.fromarray(img[0]).save(folder / f"{i:04d}.png")
        labels[f"{i:04d}.png"] = y
    return labels


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--keep", type=Path, help="Work in this (new) folder and keep it.")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="nas-export-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    nas(work, "search", "--task", "image", "--trials", args.trials, "--quiet")
    _, t_export = nas(work, "export", "--format", "all", "--out", "best")
    best = json.loads((work / "best" / "manifest.json").read_text())
    labels = write_pngs(work / "pngs")
    _, t_predict = nas(work, "predict", "best", "pngs", "--out", "pred.csv")
    rows = list(csv.DictReader((work / "pred.csv").open()))
    png_acc = sum(r["class"] == str(labels[r["input"]]) for r in rows) / len(rows)
    _, t_retrain = nas(work, "retrain", "--out", "retrained", "--quiet")
    re = json.loads((work / "retrained" / "manifest.json").read_text())
    _, t_ens = nas(work, "export", "--ensemble", 3, "--out", "top3")
    ens = json.loads((work / "top3" / "manifest.json").read_text())
    checks = best["checks"]
    print("\n== figures ==")
    print(f"best trial {best['source']['trial']} ({best['model']['summary']}, {best['model']['params']:,} params): "
          f"val {best['metrics']['val']:.4f}, test {best['metrics']['test']:.4f}")
    print(f"export --format all: {t_export:.1f}s; torchscript max|diff| {checks['torchscript_max_abs_diff']:.2g}, "
          f"onnx max|diff| {checks['onnx_max_abs_diff']:.2g}; reproduced exactly: {checks['test_reproduced']['exact']}")
    print(f"predict on {len(rows)} test PNGs: accuracy {png_acc:.4f} vs manifest {best['metrics']['test']:.4f} "
          f"({'equal' if abs(png_acc - best['metrics']['test']) < 1e-6 else 'DIFFERENT'}); {t_predict:.1f}s")
    print(f"retrain ({re['source']['retrained']['epochs']} epochs on {re['source']['retrained']['rows']} rows): "
          f"test {re['metrics']['test']:.4f} vs search {re['metrics']['search_test']:.4f}; {t_retrain:.1f}s")
    single = ens["metrics"]["best_single"]
    print(f"ensemble of 3 (trials {ens['source']['trials']}): val {ens['metrics']['val']:.4f}, test "
          f"{ens['metrics']['test']:.4f} vs best single {single['test']:.4f}; {ens['model']['params']:,} params")
    print(f"work folder: {work}")


if __name__ == "__main__":
    main()
