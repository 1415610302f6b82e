"""Run every benchmark and print its table: `python benchmarks/run.py [--quick] [--only NAME ...]`.

Each benchmark compares nas with a baseline measured in the same command (ratios survive noise
from other processes). --quick: small sizes, under 10 minutes on 2 idle CPU cores.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BENCHMARKS = ["cli_startup", "trainer", "orchestration", "search_efficiency", "duplicates", "parallel", "gpu"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a few minutes in all")
    parser.add_argument("--only", nargs="+", choices=BENCHMARKS, help="run only these benchmarks")
    args = parser.parse_args()
    started = time.perf_counter()
    for name in args.only or BENCHMARKS:
        t0 = time.perf_counter()
        importlib.import_module(f"benchmarks.{name}").main(quick=args.quick)
        print(f"[{name}: {time.perf_counter() - t0:.0f}s]\n", flush=True)
    print(f"all benchmarks{' (quick)' if args.quick else ''}: {time.perf_counter() - started:.0f}s")


if __name__ == "__main__":
    main()
