"""What start-up costs on a large CSV table, as ratios to one plain read of the file.

Usage: python benchmarks/csv_read.py [--rows N] [--columns D]   (run from the repository root)
Writes a table of N rows x D numeric columns and a `target` column (random numbers: this
measures reading, not learning) to a temporary folder, then times in one process: one
`read_csv`, the task inference `nas search` runs without --task (`infer_task`), `load_data`
with and without --target (the implied target reads the header once more), and both in a row,
as `nas search --data big.csv` runs them. Every step starts with no file parsed (read_csv keeps
the last files it parsed: nas.data.tables._parsed), as a new command does.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nas.data import DataSpec, infer_task, load_data  # noqa: E402
from nas.data.tables import _parsed, read_csv  # noqa: E402


def _seconds(run: object) -> float:
    _parsed.cache_clear()
    start = time.perf_counter()
    run()  # type: ignore[operator]
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--columns", type=int, default=40)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, args.columns)).round(5)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        with path.open("w") as f:
            f.write(",".join([f"f{i}" for i in range(args.columns)] + ["target"]) + "\n")
            f.writelines(",".join(map(str, row)) + f",{int(row[0] > 0)}\n" for row in X)
        base = _seconds(lambda: read_csv(path))
        steps = {"infer_task (no --task)": lambda: infer_task(str(path), None),
                 "load_data --target target": lambda: load_data(DataSpec(task="tabular", path=str(path), target="target")),
                 "load_data (target implied)": lambda: load_data(DataSpec(task="tabular", path=str(path))),
                 "nas search's start: infer_task, then load_data (target implied)":
                     lambda: load_data(DataSpec(task=None, path=str(path)).resolved())}
        print(f"{args.rows:,} rows x {args.columns + 1} columns: read_csv {base:.2f} s")
        for name, run in steps.items():
            seconds = _seconds(run)
            print(f"  {name}: {seconds:.2f} s, {seconds / base:.2f}x read_csv")


if __name__ == "__main__":
    main()
