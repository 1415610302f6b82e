"""Eight workers on one SQLite study: lock errors, duplicates, stored trials, exact target (issue 14).

Usage: python benchmarks/workers8.py [--workers 8] [--per-worker 50] [--launch flag|processes] [--quick]
(from the repository root; --quick: 4 workers x 10 trials).

`flag`: one `nas search --workers 8 --trials 400`; `processes`: eight separate `nas search --trials
400` commands on the same store and study, started together (what eight shells, or a job array on
one machine, do; their samplers differ by NAS_WORKER_INDEX). Trials are the tests' tiny CNN on
digits (well under a second each), one thread per worker, pruning off, random sampler, no refit.

Prints: exit codes, lock errors printed by any process (stdout + stderr lines naming a locked
database) and failed trials whose reason names one, trials per state, duplicate configurations,
checkpoints that do not load, distinct workers, wall seconds. Exits 1 unless every process exits
0, nothing reports a lock, there is no duplicate, every complete trial is stored with its arch,
value and a loadable checkpoint, and the study holds exactly workers x per-worker complete trials.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._audit import audit, child_env, count_lock_errors, store_url, tiny_search  # noqa: E402


def launch(folder: Path, workers: int, target: int, mode: str) -> list[subprocess.Popen]:
    """Start the search: one command with --workers, or `workers` commands at once."""
    if mode == "flag":
        commands, envs = [tiny_search(folder, target, workers)], [child_env()]
    else:
        commands = [tiny_search(folder, target) for _ in range(workers)]
        envs = [{**child_env(), "NAS_WORKER_INDEX": str(i)} for i in range(workers)]
    return [subprocess.Popen(cmd, cwd=folder, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for cmd, env in zip(commands, envs)]


def run(workers: int, per_worker: int, mode: str) -> bool:
    """One search, then the audit; prints the figures and returns whether every check held."""
    target = workers * per_worker
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.perf_counter()
        procs = launch(folder, workers, target, mode)
        outputs = [p.communicate()[0] for p in procs]
        seconds = time.perf_counter() - started
        codes = [p.returncode for p in procs]
        printed_locks = sum(count_lock_errors(o) for o in outputs)
        tracebacks = sum("Traceback" in o for o in outputs)
        found = audit(store_url(folder))
    lock_fails = sum(n for reason, n in found.fail_reasons.items() if "lock" in reason.lower())
    print(f"{workers} workers ({mode}) x {per_worker} = target {target}: exit codes {sorted(set(codes))}, "
          f"{seconds:.0f} s wall ({target / seconds * 3600:.0f} trials/hour)")
    print(f"lock errors printed {printed_locks}, tracebacks {tracebacks}, failed trials naming a lock {lock_fails}")
    print(f"store: {found.summary()}")
    if found.fail_reasons:
        print(f"failure reasons: {dict(found.fail_reasons)}")
    ok = (set(codes) == {0} and printed_locks == 0 and tracebacks == 0 and found.duplicates == 0
          and found.complete == target and found.unloadable == 0 and found.no_arch == 0
          and found.states["RUNNING"] == 0 and found.states["WAITING"] == 0)
    if not ok:
        print("FAILED: " + next((o.strip()[-2000:] for o in outputs if o.strip()), "(no output)"))
    print("all checks hold" if ok else "a check failed", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--per-worker", type=int, default=50, help="finished trials per worker (target = product)")
    parser.add_argument("--launch", choices=["flag", "processes"], default="flag")
    parser.add_argument("--quick", action="store_true", help="4 workers x 10 trials")
    args = parser.parse_args(argv)
    workers, per_worker = (4, 10) if args.quick else (args.workers, args.per_worker)
    return 0 if run(workers, per_worker, args.launch) else 1


if __name__ == "__main__":
    sys.exit(main())
