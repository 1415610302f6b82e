"""Rerun: train a stored trial again from its architecture and seed, and compare the metric.

Why: a search result is only worth keeping if it can be reproduced. A trial's seed is derived from
the study seed and its number (never from the worker that ran it), and the CPU thread count it ran
with is stored too, so the rerun repeats the same arithmetic: on the CPU the curve is usually
bitwise identical; the difference is reported either way.
"""
from __future__ import annotations

from typing import Any

import torch

from nas.data import make_folds
from nas.errors import StoreError
from nas.metrics import score
from nas.search import stored_seed
from nas.search.crossval import train_splits
from nas.ship.source import study_data
from nas.store import attrs, trial_arch


def rerun_trial(study: Any, trial: Any, device: Any) -> dict[str, Any]:
    """Retrain `trial` (on each of its folds, in a cross-validated study) and return stored vs
    rerun validation curve, value and test score."""
    if trial.state.name not in ("COMPLETE", "PRUNED"):
        raise StoreError(f"--trial: trial {trial.number} is {trial.state.name.lower()}, it has no result to reproduce "
                         f"({trial.user_attrs.get(attrs.FAIL_REASON) or 'no reason stored'})")
    record, data = study_data(study)
    data = data.to(device)
    splits = make_folds(data, record.cv, record.seed) if record.cv > 1 else [data]
    arch, seed = trial_arch(trial), stored_seed(trial, record.seed)
    threads = trial.user_attrs.get(attrs.THREADS)
    if threads:
        torch.set_num_threads(int(threads))
    stored = list(trial.user_attrs.get(attrs.CURVE) or trial.intermediate_values.values())
    ran = trial.user_attrs.get(attrs.FOLD_CURVES) if record.cv > 1 else None
    if trial.state.name == "PRUNED" and stored:  # it stopped early: replay only the folds / epochs it ran
        splits, arch = (splits[: len(ran)], arch) if ran else (splits, arch.with_train(epochs=len(stored)))
    ends = None
    if trial.state.name == "COMPLETE" and stored:  # each fold ends where it ended: patience, or the time
        lengths = [len(c) for c in ran] if ran else [len(stored)]  # budget's end for the study's first trial
        splits = splits[: len(lengths)]  # (nas.search.objective: its folds after that one were not trained)
        ends = lambda split, epoch, value: epoch + 1 >= lengths[split]  # noqa: E731
    run = train_splits(arch, splits, seed, device, on_epoch=ends)
    curve = run.choice(data.direction).curve if record.cv > 1 else run.curves[0]  # as the trial stored it
    n = min(len(stored), len(curve))
    diffs = [abs(a - b) for a, b in zip(stored[:n], curve[:n])]
    return {
        "trial": trial.number, "state": trial.state.name.lower(), "seed": seed, "threads": threads, "folds": record.cv,
        "stored_curve": stored, "rerun_curve": curve,
        "stored_value": trial.values[0] if trial.state.name == "COMPLETE" else None,
        "rerun_value": run.choice(data.direction).value,
        "stored_test": trial.user_attrs.get(attrs.TEST), "rerun_test": score(run.first, data.test, data),
        "max_difference": max(diffs) if diffs else None, "identical": bool(n) and n == len(stored) and not any(diffs),
    }
