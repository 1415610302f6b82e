"""Orchestration cost per trial: everything a `nas search` trial costs except training.

`nas.train.fit` is replaced by a stand-in that reports one value per epoch (so reporting and
pruning run) and returns the untrained weights (so the checkpoint is written), and the test
score is a constant; sampling, building, user attributes, the checkpoint, the progress display
and the callbacks all run for real, on an SQLite file, through `run_search`.

Baseline, in the same command: a bare Optuna loop on the same kind of storage with the same
sampler that only samples the architecture (`sample_arch`) and returns a number: the floor set
by Optuna's own sampling and storage. A third table compares storages for that bare loop (the
storage choice belongs to `open_storage`, owned elsewhere: reported, not changed here).
"""
from __future__ import annotations

try:
    from benchmarks._common import median, parse_quick, quiet, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import median, parse_quick, quiet, table

import cProfile
import io
import pstats
import random
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def _fake_fit(model: Any, data: Any, cfg: Any, seed: int = 0, on_epoch: Any = None, keep_best: bool = True) -> Any:
    """Instant 'training': a pseudo-random curve, reported epoch by epoch, and the initial weights."""
    from nas.train import FitResult

    rng = random.Random(seed)
    curve = []
    for epoch in range(cfg.epochs):
        curve.append(min(1.0, 0.5 + 0.04 * epoch + 0.1 * rng.random()))
        if on_epoch is not None:
            on_epoch(epoch, curve[-1])
    best = max(range(len(curve)), key=curve.__getitem__)
    state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    return FitResult(best_value=curve[best], best_epoch=best, curve=curve, seconds=0.0, state=state)


@contextmanager
def no_training() -> Any:
    import nas.search.crossval as crossval
    import nas.search.objective as objective

    saved = crossval.fit, objective.score
    crossval.fit, objective.score = _fake_fit, lambda model, split, data: 0.5
    try:
        yield
    finally:
        crossval.fit, objective.score = saved


COMMITS = [0]  # database transactions (commits, reads included) so far, counted by an SQLAlchemy event on every engine


def _count_commits() -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "commit", _on_commit):
        event.listen(Engine, "commit", _on_commit)


def _on_commit(conn: Any) -> None:
    COMMITS[0] += 1


def _stamp() -> tuple[float, float, int]:
    """(wall clock, this process's CPU time, commits so far)."""
    return time.perf_counter(), time.process_time(), COMMITS[0]


def _windows(stamps: list[tuple[float, float, int]], edges: list[int], what: int = 0) -> list[float]:
    """Median per trial in each window of trial numbers [edges[i], edges[i+1]): wall ms (what=0),
    CPU ms (1) or database commits (2)."""
    scale = 1 if what == 2 else 1000
    gaps = [(b[what] - a[what]) * scale for a, b in zip(stamps, stamps[1:])]
    return [median(gaps[lo:hi]) for lo, hi in zip(edges, edges[1:])]


def run_nas(tmp: Path, trials: int) -> list[tuple[float, float, int]]:
    """Per-trial finish times of a real run_search (training stubbed)."""
    from rich.console import Console

    from nas.commands._progress import PlainObserver
    from nas.search import SearchConfig, run_search

    stamps: list[tuple[float, float, int]] = []

    class Timed(PlainObserver):
        def trial_finished(self, row: dict[str, Any]) -> None:
            super().trial_finished(row)
            stamps.append(_stamp())

    cfg = SearchConfig.from_flags(task="image", trials=trials, storage=f"sqlite:///{tmp}/nas.db",
                       artifacts=str(tmp / "artifacts"), study="orchestration")
    with no_training():
        run_search(cfg, Timed(Console(file=io.StringIO())))
    return stamps


def profile_resume(tmp: Path, trials: int, more: int) -> str:
    """cProfile of resuming the study for `more` trials (profiling is kept out of the timings)."""
    from nas.search import SearchConfig, run_search

    cfg = SearchConfig.from_flags(task="image", trials=trials + more, storage=f"sqlite:///{tmp}/nas.db",
                       artifacts=str(tmp / "artifacts"), study="orchestration")
    profiler = cProfile.Profile()
    with no_training():
        profiler.runcall(run_search, cfg)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
    return out.getvalue()


def run_optuna(storage: Any, trials: int) -> list[tuple[float, float, int]]:
    """The floor: Optuna alone, same sampler, sampling the same space, a constant-time objective."""
    import optuna

    from nas.sample import sample_arch
    from nas.space import load_space, shipped_space
    from nas.search.strategies import make_sampler

    space = load_space(shipped_space("image"))
    stamps: list[tuple[float, float, int]] = []
    study = optuna.create_study(storage=storage, sampler=make_sampler("tpe", 0, space, 1, trials), direction="maximize")
    rng = random.Random(0)

    def objective(trial: Any) -> float:
        sample_arch(space, trial)
        return rng.random()

    study.optimize(objective, n_trials=trials, callbacks=[lambda s, t: stamps.append(_stamp())])
    return stamps


def _storages(tmp: Path) -> dict[str, Any]:
    import optuna
    from optuna.storages.journal import JournalFileBackend
    from sqlalchemy import event

    wal = optuna.storages.RDBStorage(f"sqlite:///{tmp}/wal.db")

    @event.listens_for(wal.engine, "connect")
    def _pragmas(con: Any, _record: Any) -> None:  # applies to connections opened from now on
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")

    wal.engine.dispose()
    return {
        "in-memory": lambda: optuna.storages.InMemoryStorage(),
        "sqlite default": lambda: optuna.storages.RDBStorage(f"sqlite:///{tmp}/default.db"),
        "sqlite WAL+NORMAL": lambda: wal,
        "journal file": lambda: optuna.storages.JournalStorage(JournalFileBackend(str(tmp / "journal.log"))),
    }


def main(quick: bool = False) -> list[list[Any]]:
    quiet()
    trials = 150 if quick else 1000
    edges = [0, 100, trials - 1] if quick else [0, 100, 500, trials - 1]
    labels = [f"{lo + 1}-{hi + 1}" for lo, hi in zip(edges, edges[1:])]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        _count_commits()
        base_stamps = run_optuna(f"sqlite:///{tmp}/floor.db", trials)
        nas_stamps = run_nas(tmp, trials)
        base, ours = _windows(base_stamps, edges), _windows(nas_stamps, edges)
        base_cpu, ours_cpu = _windows(base_stamps, edges, 1), _windows(nas_stamps, edges, 1)
        base_n, ours_n = _windows(base_stamps, edges, 2), _windows(nas_stamps, edges, 2)
        rows = [[w, o, b, o / b, oc, bc, oc / bc, int(on), int(bn)]
                for w, o, b, oc, bc, on, bn in zip(labels, ours, base, ours_cpu, base_cpu, ours_n, base_n)]
        table(f"2. Orchestration: median per trial by window, {trials} trials on SQLite (default settings), image "
              "space, TPE, training stubbed (12 epoch reports, checkpoint, attrs, progress all real)",
              ["trials", "nas wall ms", "bare Optuna wall ms", "wall ratio", "nas CPU ms", "bare CPU ms",
               "CPU ratio", "nas DB transactions", "bare DB transactions"], rows)
        more = 20 if quick else 50
        print(f"cProfile (tottime) of resuming that study for {more} more trials:")
        print("\n".join(line for line in profile_resume(tmp, trials, more).splitlines() if line.strip())[:6000])
        n = 60 if quick else 300
        storage_rows = []
        for name, make in _storages(tmp).items():
            w = _windows(run_optuna(make(), n), [0, n // 2, n - 1])
            storage_rows.append([name, *w])
        table(f"2b. Bare Optuna TPE on each storage, ms per trial ({n} trials)",
              ["storage", f"1-{n // 2}", f"{n // 2 + 1}-{n}"], storage_rows)
    return rows


if __name__ == "__main__":
    main(parse_quick())
