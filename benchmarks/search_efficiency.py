"""Search efficiency on digits: best validation accuracy after N trials, per sampler, over seeds.

Every sampler of `nas.strategies.SAMPLERS` runs the shipped image space on digits through the
real objective (`nas.search.Objective`: sample, build, train, prune with the default median
pruner, test score, checkpoint, duplicate reuse) on an in-memory Optuna study. For each sampler
and checkpoint N: median and min-max over seeds of the best validation accuracy among the first
N trials, and the test accuracy of the model chosen after the last checkpoint. Random search is
the baseline; the default sampler (tpe) must beat it at 20 trials. Duplicates (configurations
that repeat an earlier finished trial, reused instead of trained) are counted per sampler.
"""
from __future__ import annotations

try:
    from benchmarks._common import median, quiet, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import median, quiet, table

import tempfile
import time
from typing import Any


def run_study(sampler: str, seed: int, trials: int, epochs: int, data: Any, artifacts: str) -> list[Any]:
    """Finished trials of one in-memory study, in order."""
    import optuna
    from optuna.artifacts import FileSystemArtifactStore

    from nas.search import Objective, SearchObserver, TrialFailed, max_epochs, resolve_space
    from nas.search.strategies import make_pruner, make_sampler

    space = resolve_space("image", None, epochs)
    study = optuna.create_study(direction="maximize", sampler=make_sampler(sampler, seed, space, 1, trials),
                                pruner=make_pruner("median", max_epochs(space)))
    from nas.search.objectives import Goals, parse_objectives

    goals = Goals(parse_objectives(None, data.metric, data.direction))
    objective = Objective(space, data, data.train.X.device, seed, FileSystemArtifactStore(artifacts), SearchObserver(), goals)
    study.optimize(objective, n_trials=trials, catch=(TrialFailed,))
    return study.trials


def _best_after(trials: list[Any], n: int) -> Any:
    done = [t for t in trials[:n] if t.state.name == "COMPLETE" and t.value is not None]
    return max(done, key=lambda t: (t.value, -t.number)) if done else None


def _cell(values: list[float]) -> str:
    return f"{median(values):.4f} ({min(values):.3f}-{max(values):.3f})" if values else "-"


def main(quick: bool = False, samplers: list[str] | None = None) -> list[list[Any]]:
    import torch

    from nas.data import DataSpec, load_data
    from nas.errors import UsageError
    from nas.space import load_space, shipped_space
    from nas.search.strategies import SAMPLERS, make_sampler

    quiet()
    torch.set_num_threads(1)
    epochs, seeds, checkpoints = (3, 5, [10, 20]) if quick else (5, 5, [10, 20, 50])
    data = load_data(DataSpec(task="image", seed=0))
    rows, dup_rows, refused = [], [], []
    with tempfile.TemporaryDirectory() as artifacts:
        for name in samplers or SAMPLERS:
            try:
                make_sampler(name, 0, load_space(shipped_space("image")), 1, checkpoints[-1])
            except UsageError as exc:
                refused.append(f"{name}: refused: {exc}")
                continue
            started, runs = time.perf_counter(), []
            for seed in range(seeds):
                runs.append(run_study(name, seed, checkpoints[-1], epochs, data, artifacts))
            best = {n: [b.value for r in runs if (b := _best_after(r, n))] for n in checkpoints}
            test = [b.user_attrs["test"] for r in runs if (b := _best_after(r, checkpoints[-1]))]
            rows.append([name, *(_cell(best[n]) for n in checkpoints), _cell(test)])
            dups = sum("duplicate_of" in t.user_attrs for r in runs for t in r)
            pruned = sum(t.state.name == "PRUNED" for r in runs for t in r)
            dup_rows.append([name, len(runs) * checkpoints[-1], pruned, dups, 0, f"{time.perf_counter() - started:.0f}"])
    table(f"3. Search efficiency on digits ({'QUICK: ' if quick else ''}{epochs} epochs/trial, median pruner, "
          f"{seeds} seeds): best validation accuracy after N trials, median (min-max)",
          ["sampler", *(f"after {n}" for n in checkpoints), f"test acc of best after {checkpoints[-1]}"], rows)
    table("3b. Duplicates in those runs (a repeat of a finished trial is reused, never trained)",
          ["sampler", "trials", "pruned", "duplicates sampled", "duplicates trained", "seconds"], dup_rows)
    for line in refused:
        print(line)
    return rows


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--samplers", nargs="+", help="only these samplers (default: all of SAMPLERS)")
    args = parser.parse_args()
    main(args.quick, args.samplers)
