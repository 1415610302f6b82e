"""Host RSS (and GPU memory where there is one) across many tiny trials: does memory grow?

Usage: python benchmarks/memory.py [TRIALS]   (default 200; run from the repository root)
Prints RSS after trial 10 and after the last trial, and their ratio (1.00 = no growth).
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import TINY_CNN as TINY  # noqa: E402  (the same tiny space the tests search)


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        line = next(line for line in f if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def main() -> None:
    import torch

    from nas.search import SearchConfig, SearchObserver, run_search

    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    samples: dict[int, tuple[float, float]] = {}

    class Meter(SearchObserver):
        def trial_finished(self, row: dict) -> None:
            n = len(samples) + 1
            gpu = torch.cuda.memory_allocated() / 2**20 if torch.cuda.is_available() else 0.0
            samples[n] = (rss_mib(), gpu)
            if n in (1, 10, 50, 100, 150, 200) or n == trials:
                print(f"after {n:>3} trials: RSS {samples[n][0]:.1f} MiB, GPU allocated {gpu:.1f} MiB", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        Path("tiny.yaml").write_text(TINY)
        run_search(SearchConfig.from_flags(space="tiny.yaml", trials=trials, pruner="none", sampler="random"), Meter())
    at10, last = samples[10][0], samples[max(samples)][0]
    print(f"RSS after {max(samples)} trials / after 10: {last:.1f} / {at10:.1f} MiB = {last / at10:.3f}")


if __name__ == "__main__":
    main()
