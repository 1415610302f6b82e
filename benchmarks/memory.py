"""Host RSS (and GPU memory where there is one) across many tiny trials in one process: does memory grow?

Usage: python benchmarks/memory.py [TRIALS] [--quick]   (default 1,000 trials; --quick: 100; from the repo root)
One `run_search` in this process on the tests' tiny CNN space (random sampler, no pruning, one
thread, no refit). Prints RSS after trials 1, 10, 100, 250, 500, 750 and the last, the largest
RSS seen, and two ratios: last / after trial 10 (the figure held to <= 1.05: the first trials
load code, allocator pools and Optuna's caches once) and last / after trial 1. Exits 1 when the
first ratio is above 1.05.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import TINY_CNN as TINY  # noqa: E402  (the same tiny space the tests search)

LIMIT = 1.05  # issue 14: RSS after the last trial / after trial 10
WARM_UP = 10
SHOWN = (1, WARM_UP, 100, 250, 500, 750)


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        line = next(line for line in f if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def measure(trials: int) -> dict[int, float]:
    """RSS (MiB) after every finished trial of one search of `trials` tiny trials in this process."""
    import torch

    from nas.search import SearchConfig, SearchObserver, run_search
    from nas.store import quiet_optuna

    quiet_optuna()  # one line per trial from Optuna would drown the figures
    samples: dict[int, float] = {}

    class Meter(SearchObserver):
        def trial_finished(self, row: dict) -> None:
            n = len(samples) + 1
            samples[n] = rss_mib()
            if n in SHOWN or n == trials:
                gpu = torch.cuda.memory_allocated() / 2**20 if torch.cuda.is_available() else 0.0
                print(f"after {n:>4} trials: RSS {samples[n]:.1f} MiB, GPU allocated {gpu:.1f} MiB", flush=True)

    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            Path("tiny.yaml").write_text(TINY)
            run_search(SearchConfig.from_flags(space="tiny.yaml", trials=trials, pruner="none", sampler="random",
                                               threads=1, refit=False), Meter())
        finally:
            os.chdir(cwd)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("trials", nargs="?", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="100 trials")
    args = parser.parse_args(argv)
    trials = 100 if args.quick else args.trials
    samples = measure(trials)
    last_n = max(samples)
    first, warm, last = samples[1], samples[min(WARM_UP, last_n)], samples[last_n]
    ratio = last / warm
    print(f"RSS after {last_n} trials / after {min(WARM_UP, last_n)}: {last:.1f} / {warm:.1f} MiB = {ratio:.3f} "
          f"(limit {LIMIT}); / after trial 1 ({first:.1f} MiB) = {last / first:.3f}; "
          f"largest {max(samples.values()):.1f} MiB")
    return 0 if ratio <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
