"""Parallel speed-up: trials per hour with 1 vs 2 worker processes on the same SQLite study.

Workers are plain `python -m nas search` processes pointed at the same study (what `--workers`
does); the cores are split between them through OMP_NUM_THREADS. Set LAUNCH = "flag" once
`nas search --workers N` exists, to measure one command with `--workers N` instead.

Each worker starts after the previous one has created a trial, so that it resumes the study
(and its sampler seed is offset by the trials already there, as a resumed search does).
Throughput counts finished trials over wall time from the first launch to the last exit,
process start-up included for both settings. Pruning is off so every trial costs a full run.
A third row runs one worker with one thread: for digits-sized models torch's intra-op threads
cost more than they bring whenever the other core is busy.
"""
from __future__ import annotations

try:
    from benchmarks._common import parse_quick, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import parse_quick, table

import os
import sqlite3
from contextlib import closing
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks._common import ROOT

LAUNCH = "flag"  # one `nas search --workers N` command; or "processes": N separate commands


def commands(n: int, base: list[str]) -> list[list[str]]:
    """The command lines that run a search with `n` workers."""
    if LAUNCH == "flag":
        return [[*base, "--workers", str(n)]]
    return [list(base) for _ in range(n)]


def _trial_count(db: Path, states: tuple[str, ...] = ("COMPLETE", "PRUNED", "FAIL", "RUNNING")) -> int:
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:  # closing: `with` alone leaves it open
            marks = ",".join("?" * len(states))
            return con.execute(f"SELECT COUNT(*) FROM trials WHERE state IN ({marks})", states).fetchone()[0]
    except sqlite3.Error:
        return 0  # tables not created yet


def run_workers(n: int, trials: int, tmp: Path, threads: int, extra: list[str]) -> dict[str, Any]:
    """Launch `n` workers on one fresh study; wall seconds, finished trials, trials per hour."""
    tmp.mkdir(parents=True, exist_ok=True)
    db = tmp / f"workers-{n}.db"
    base = [sys.executable, "-m", "nas", "search", "--trials", str(trials), "--storage", f"sqlite:///{db}",
            "--artifacts", str(tmp / "artifacts"), "--study", "parallel", "--pruner", "none", "--timeout", "none", "--quiet", *extra]
    env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
    started, procs = time.perf_counter(), []
    for i, cmd in enumerate(commands(n, base)):
        while i and _trial_count(db) < i and all(p.poll() is None for p in procs):
            time.sleep(0.2)
        procs.append(subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True))
    errors = [p.communicate()[1] for p in procs if p.wait() != 0]
    if errors:
        raise RuntimeError(f"a worker failed: {errors[0].strip().splitlines()[-1:]}")
    seconds = time.perf_counter() - started
    done = _trial_count(db, ("COMPLETE", "PRUNED"))
    return {"seconds": seconds, "done": done, "per_hour": done / seconds * 3600}


def main(quick: bool = False) -> list[list[Any]]:
    cores = os.cpu_count() or 2
    trials = 24 if quick else 60
    extra = ["--task", "image", "--epochs", "4" if quick else "8", "--device", "cpu"]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        settings = [(1, cores), (2, max(1, cores // 2)), (1, 1)]  # the last: is one thread better anyway?
        results = [run_workers(n, trials, tmp / f"t{threads}", threads, extra) for n, threads in settings]
        for (n, threads), r in zip(settings, results):
            rows.append([n, threads, r["done"], r["seconds"], r["per_hour"], r["per_hour"] / results[0]["per_hour"],
                         r["per_hour"] / results[2]["per_hour"]])
    table(f"5. Parallel speed-up on {cores} cores: digits, image space, {extra[3]} epochs/trial, {trials} trials, "
          f"workers launched as {LAUNCH}", ["workers", "threads each", "trials", "seconds", "trials/hour", "vs 1x2 threads", "vs 1x1 thread"], rows)
    return rows


if __name__ == "__main__":
    main(parse_quick())
