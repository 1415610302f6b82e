"""Search efficiency: best validation accuracy after N trials and against wall time, per sampler,
with and without training-free prescreening, over seeds, on MNIST-1D and digits.

Each run is one in-memory Optuna study through the real objective (`nas.search.Objective`:
sample, build, train, prune with the default median pruner, duplicate reuse) on a holdout split
(no cross-validation). MNIST-1D uses the shipped `sequence` space (family conv1d or rnn, chosen
first) on a subset of its training rows, digits the shipped `image` space; both at a few epochs
per trial, as each table says: the ranking of the samplers is what this measures, not the best
accuracy a full search reaches. `+prescreen N` wraps the sampler the way `nas search
--prescreen N` does (nas.search.prescreen, parameter-count proxy): each trial trains the best of
N candidates. Random search without prescreening is the baseline.

Runs are interleaved (seed by seed, every configuration in turn) so load from other processes on
a shared machine hits each alike, and each finished run is appended to a JSON-lines file
(`--out`), so a long run can be cut short, resumed, or its tables reprinted (`--tables-only`);
several processes given the same `--out` share the work (each configuration is claimed once).
"""
from __future__ import annotations

try:
    from benchmarks._common import median, quiet, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import median, quiet, table

import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SAMPLERS = ["random", "tpe", "evolution"]
BASELINE = ("random", 1)
PRESCREEN = 8


@dataclass(frozen=True)
class Bench:
    """One dataset as the benchmark runs it: the data, the space, and the cuts that make it affordable."""

    name: str
    task: str
    dataset: str | None
    space: str
    epochs: int
    rows: int | None  # the first rows of each (already shuffled) split: train, validation, test; None: all

    def settings(self, data: Any) -> str:
        cut = f"first {self.rows} rows of each split: " if self.rows else ""
        return (f"space `{self.space}`, {self.epochs} epochs/trial, {cut}{len(data.train)} train / {len(data.val)} "
                f"validation / {len(data.test)} test rows (holdout, no cv), median pruner")


BENCHES = {
    # 10 epochs on 1,000 rows: on 500 rows the rocket family (MiniRocket features, a linear head
    # fitted by L-BFGS) is the best any family gets (0.91 at 10 epochs, 0.84 at 3), every sampler
    # finds it, and no sampler can be told apart; trained convolutions overtake it with more rows
    # (0.99 against 0.93 on all 3,000)
    "mnist1d": Bench("mnist1d", "sequence", "mnist1d", "sequence", 10, 1000),
    "digits": Bench("digits", "image", None, "image", 3, None),
}


UNRECORDED = {"mnist1d": (3, 500), "digits": (3, None)}  # (epochs, rows) of runs from before they were stored


def load(bench: Bench) -> Any:
    """The benchmark's data: the built-in's holdout split, each split cut to its first `rows`."""
    from dataclasses import replace

    from nas.data import DataSpec, load_data
    from nas.data._task import Split

    data = load_data(DataSpec(task=bench.task, dataset=bench.dataset, seed=0))
    if bench.rows is None:
        return data
    cut = {name: Split(s.X[:bench.rows], s.y[:bench.rows]) for name in ("train", "val", "test") if (s := getattr(data, name))}
    return replace(data, **cut)


def make(name: str, prescreen: int, seed: int, trials: int, space: Any, data: Any) -> Any:
    """The sampler `nas search --sampler NAME --prescreen N` builds (nas.search.prepared)."""
    from nas.search.prescreen import PrescreenSampler, proxy_scorer
    from nas.search.strategies import make_sampler

    sampler = make_sampler(name, seed, space, 1, trials)
    if prescreen <= 1:
        return sampler
    score = proxy_scorer("params", data.input_shape, data.out_dim, lambda: data.train.X[:64], seed)
    return PrescreenSampler(sampler, space, score, prescreen)


def run_study(bench: Bench, sampler: str, prescreen: int, seed: int, trials: int, data: Any, artifacts: str) -> dict[str, Any]:
    """One in-memory study: per trial in order, its value (None unless complete) and the seconds
    from the study's start to the trial's end."""
    import optuna
    from optuna.artifacts import FileSystemArtifactStore

    from nas.search import Objective, SearchObserver, TrialFailed, max_epochs, resolve_space
    from nas.search.objectives import Goals, parse_objectives
    from nas.search.strategies import make_pruner

    space = resolve_space(bench.space, None, bench.epochs)
    study = optuna.create_study(direction="maximize", sampler=make(sampler, prescreen, seed, trials, space, data),
                                pruner=make_pruner("median", max_epochs(space)))
    goals = Goals(parse_objectives(None, data.metric, data.direction))
    objective = Objective(space, data, data.train.X.device, seed, FileSystemArtifactStore(artifacts), SearchObserver(), goals)
    started = time.perf_counter()
    ends: list[float] = []
    study.optimize(objective, n_trials=trials, catch=(TrialFailed,),
                   callbacks=[lambda s, t: ends.append(time.perf_counter() - started)])
    values = [t.value if t.state.name == "COMPLETE" else None for t in study.trials]
    return {"bench": bench.name, "epochs": bench.epochs, "rows": bench.rows, "sampler": sampler, "prescreen": prescreen,
            "seed": seed, "values": values,
            "seconds": [round(s, 3) for s in ends], "test": _best_test(study.trials),
            "families": [t.params.get("family") for t in study.trials],
            "duplicates": sum("duplicate_of" in t.user_attrs for t in study.trials),
            "pruned": sum(t.state.name == "PRUNED" for t in study.trials)}


def _best_test(trials: list[Any]) -> float | None:
    done = [t for t in trials if t.state.name == "COMPLETE" and t.value is not None]
    best = max(done, key=lambda t: (t.value, -t.number)) if done else None
    return best.user_attrs.get("test") if best else None


def best_after(run: dict[str, Any], n: int) -> float | None:
    done = [v for v in run["values"][:n] if v is not None]
    return max(done) if done else None


def best_by(run: dict[str, Any], seconds: float) -> float | None:
    """Best validation among the trials that ended within `seconds` of the study's start."""
    done = [v for v, s in zip(run["values"], run["seconds"]) if v is not None and s <= seconds]
    return max(done) if done else None


def cell(values: list[float | None]) -> str:
    xs = [v for v in values if v is not None]
    return f"{median(xs):.4f} ({min(xs):.3f}-{max(xs):.3f})" if xs else "-"


def label(sampler: str, prescreen: int) -> str:
    return sampler if prescreen <= 1 else f"{sampler} +prescreen {prescreen}"


def configs(samplers: list[str], prescreen: int) -> list[tuple[str, int]]:
    return [(s, p) for s in samplers for p in ((1, prescreen) if prescreen > 1 else (1,))]


def print_tables(bench: Bench, settings: str, runs: list[dict[str, Any]], checkpoints: list[int]) -> None:
    """Tables per dataset: best validation after N trials, beat-the-baseline verdicts, wall time."""
    groups: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in runs:
        groups.setdefault((r["sampler"], r["prescreen"]), []).append(r)
    seeds = min(len(g) for g in groups.values())
    rows = [[label(*key), *(cell([best_after(r, n) for r in g]) for n in checkpoints), cell([r["test"] for r in g]),
             f"{median([r['seconds'][-1] for r in g]):.0f}", f"{sum(r['pruned'] for r in g)}/{sum(r['duplicates'] for r in g)}",
             str(len(g))] for key, g in groups.items()]
    table(f"{bench.name}: best validation accuracy after N trials, median (min-max) over seeds; {settings}",
          ["sampler", *(f"after {n}" for n in checkpoints), f"test acc of best after {checkpoints[-1]}",
           f"s per {checkpoints[-1]}-trial study", "pruned/reused", "seeds"], rows)
    if BASELINE in groups:
        verdicts(bench, groups, checkpoints)
    wall_table(bench, groups)
    print(f"[{bench.name}: at least {seeds} seeds per configuration]")


def verdicts(bench: Bench, groups: dict[tuple[str, int], list[dict[str, Any]]], checkpoints: list[int]) -> None:
    """Does a configuration's median beat random's by more than the seed spread (the larger of the
    two min-max ranges)? The issue's bar for the default sampler."""
    base = groups[BASELINE]
    rows = []
    for key, g in groups.items():
        if key == BASELINE:
            continue
        row = [label(*key)]
        for n in checkpoints:
            a, b = [x for r in g if (x := best_after(r, n)) is not None], [x for r in base if (x := best_after(r, n)) is not None]
            gap, spread = median(a) - median(b), max(max(a) - min(a), max(b) - min(b))
            row.append(f"{gap:+.4f} vs {spread:.4f}: {'beats' if gap > spread else 'within spread' if gap > -spread else 'loses'}")
        rows.append(row)
    table(f"{bench.name}: median minus random's median, against the seed spread (larger min-max range of the two)",
          ["sampler", *(f"after {n}" for n in checkpoints)], rows)


def wall_table(bench: Bench, groups: dict[tuple[str, int], list[dict[str, Any]]]) -> None:
    """Best-so-far against wall time, at fractions of random search's median study time."""
    ref = median([r["seconds"][-1] for r in groups.get(BASELINE, next(iter(groups.values())))])
    marks = [ref * f for f in (0.1, 0.25, 0.5, 1.0)]
    rows = [[label(*key), *(cell([best_by(r, m) for r in g]) for m in marks)] for key, g in groups.items()]
    table(f"{bench.name}: best validation accuracy by wall time (seconds since the study started), median (min-max)",
          ["sampler", *(f"by {m:.0f}s" for m in marks)], rows)


def read(path: Path, bench: Bench | None = None) -> list[dict[str, Any]]:
    """The finished runs in `path`; with `bench`, only its runs at its settings (runs stored before
    the settings were recorded ran at UNRECORDED's)."""
    runs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    settings = lambda r: (r.get("epochs"), r.get("rows")) if "epochs" in r else UNRECORDED[r["bench"]]  # noqa: E731
    return [r for r in runs if bench is None or (r["bench"] == bench.name and settings(r) == (bench.epochs, bench.rows))]


def main(quick: bool = False, samplers: list[str] | None = None, benches: list[str] | None = None,
         seeds: int | None = None, trials: int | None = None, prescreen: int = PRESCREEN,
         out: str | None = None, tables_only: bool = False, first_seed: int = 0) -> list[dict[str, Any]]:
    """Run (or, with `tables_only`, only read) every configuration and print the tables."""
    import torch

    quiet()
    torch.set_num_threads(1)
    checkpoints = [10, 20] if quick else [10, 20, 50]
    trials = trials or checkpoints[-1]
    checkpoints = [n for n in checkpoints if n <= trials] or [trials]
    seeds = seeds or (2 if quick else 5)
    path = Path(out) if out else Path(tempfile.mkdtemp()) / "runs.jsonl"
    names = benches or (["digits"] if quick else list(BENCHES))
    with tempfile.TemporaryDirectory() as artifacts:
        for name in names:
            bench, data = BENCHES[name], load(BENCHES[name])
            keys = [(name, sampler, screen, seed) for seed in range(first_seed, first_seed + seeds)
                    for sampler, screen in configs(samplers or SAMPLERS, prescreen)]
            if not tables_only:
                work(bench, data, keys, trials, path, artifacts)
            mine = [r for r in read(path, bench) if len(r["values"]) >= trials]
            if mine:
                print_tables(bench, bench.settings(data), mine, checkpoints)
    return read(path)


def work(bench: Bench, data: Any, keys: list[tuple[str, str, int, int]], trials: int, path: Path, artifacts: str) -> None:
    """Run every configuration not yet in `path` and not claimed by another process running the
    same command (a claim is a file under `<out>.claims/`; delete that folder to redo a crashed run)."""
    for key in keys:
        _, sampler, screen, seed = key
        done = any((r["bench"], r["sampler"], r["prescreen"], r["seed"]) == key and len(r["values"]) >= trials
                   for r in read(path, bench))
        if done or not claim(path, key, bench):
            continue
        run = run_study(bench, sampler, screen, seed, trials, data, artifacts)
        with path.open("a") as fh:
            fh.write(json.dumps(run) + "\n")
        print(f"{bench.name} {label(sampler, screen)} seed {seed}: best {best_after(run, trials)} "
              f"in {run['seconds'][-1]:.0f}s", flush=True)


def claim(path: Path, key: tuple[str, str, int, int], bench: Bench) -> bool:
    """True for the one process that creates this configuration's claim file."""
    folder = path.with_name(path.name + ".claims")
    folder.mkdir(exist_ok=True)
    try:
        os.close(os.open(folder / "-".join(map(str, (*key, bench.epochs, bench.rows))), os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        return False
    return True


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="digits only, 2 seeds, 20 trials")
    parser.add_argument("--samplers", nargs="+", choices=SAMPLERS + ["gp", "qmc", "nsga2"], help="default: random tpe evolution")
    parser.add_argument("--datasets", nargs="+", choices=list(BENCHES), help="default: mnist1d digits")
    parser.add_argument("--seeds", type=int, help="default: 5")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run: FIRST_SEED .. FIRST_SEED+SEEDS-1 (split a run over processes)")
    parser.add_argument("--trials", type=int, help="default: 50")
    parser.add_argument("--prescreen", type=int, default=PRESCREEN, help=f"candidates per trial (default {PRESCREEN}; 1: off)")
    parser.add_argument("--out", help="JSON-lines file of finished runs: appended to, and resumed from")
    parser.add_argument("--tables-only", action="store_true", help="print the tables from --out, run nothing")
    a = parser.parse_args()
    main(a.quick, a.samplers, a.datasets, a.seeds, a.trials, a.prescreen, a.out, a.tables_only, a.first_seed)
