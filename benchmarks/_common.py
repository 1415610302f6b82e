"""Shared helpers of the benchmarks: path bootstrap, interleaved timing, tables.

Every benchmark compares `nas` against a baseline measured in the same command, interleaving
the two (A B A B ...) so that load from other processes on a shared machine hits both alike.
"""
from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def interleaved(fns: dict[str, Callable[[], Any]], repeats: int, warmup: int = 1,
                clock: Callable[[], float] = time.perf_counter) -> dict[str, list[float]]:
    """Seconds of each callable over `repeats` rounds, run in turn each round (after `warmup` rounds).

    `clock=time.process_time` counts this process's CPU time only: on a machine shared with
    other jobs it is far steadier than wall time for single-threaded work.
    """
    times: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(warmup + repeats):
        for name, fn in fns.items():
            t0 = clock()
            fn()
            if r >= warmup:
                times[name].append(clock() - t0)
    return times


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def spread(xs: Sequence[float]) -> str:
    """min-max of a sample, as text."""
    return f"{min(xs):.3f}-{max(xs):.3f}" if xs else "-"


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Print a Rich table (plain text when stdout is not a terminal: Rich handles that)."""
    from rich.console import Console
    from rich.table import Table

    t = Table(title=title, title_justify="left")
    for c in columns:
        t.add_column(c, justify="left" if c == columns[0] else "right")
    for row in rows:
        t.add_row(*(_cell(v) for v in row))
    Console(width=140).print(t)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3f}" if abs(v) < 100 else f"{v:.0f}"
    return str(v)


def quiet() -> None:
    """Silence Optuna's per-trial log lines (the tables are the output)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


def parse_quick(argv: Sequence[str] | None = None) -> bool:
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="small sizes, a few minutes")
    return p.parse_args(argv).quick
