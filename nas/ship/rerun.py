"""Rerun: train a stored trial again from its architecture and seed, and compare the metric.

Why: a search result is only worth keeping if it can be reproduced. A trial's seed is derived from
the study seed and its number (never from the worker that ran it), and the CPU thread count it ran
with is stored too, so the rerun repeats the same arithmetic: on the CPU the curve is usually
bitwise identical; the difference is reported either way.
"""
from __future__ import annotations

from typing import Any

import torch

from nas.errors import StoreError
from nas.metrics import score
from nas.search import stored_seed
from nas.ship.source import study_data
from nas.store import attrs, trial_arch
from nas.train import train_arch


def rerun_trial(study: Any, trial: Any, device: Any) -> dict[str, Any]:
    """Retrain `trial` and return stored vs rerun validation curve, best value and test score."""
    if trial.state.name not in ("COMPLETE", "PRUNED"):
        raise StoreError(f"--trial: trial {trial.number} is {trial.state.name.lower()}, it has no result to reproduce "
                         f"({trial.user_attrs.get(attrs.FAIL_REASON) or 'no reason stored'})")
    record, data = study_data(study)
    data = data.to(device)
    arch, seed = trial_arch(trial), stored_seed(trial, record.seed)
    threads = trial.user_attrs.get(attrs.THREADS)
    if threads:
        torch.set_num_threads(int(threads))
    stored = list(trial.user_attrs.get(attrs.CURVE) or trial.intermediate_values.values())
    if trial.state.name == "PRUNED" and stored:  # it stopped early: replay only the epochs it ran
        arch = arch.with_train(epochs=len(stored))
    model, result = train_arch(arch, data, seed, device)
    n = min(len(stored), len(result.curve))
    diffs = [abs(a - b) for a, b in zip(stored[:n], result.curve[:n])]
    return {
        "trial": trial.number, "state": trial.state.name.lower(), "seed": seed, "threads": threads,
        "stored_curve": stored, "rerun_curve": result.curve,
        "stored_value": trial.values[0] if trial.state.name == "COMPLETE" else None, "rerun_value": result.best_value,
        "stored_test": trial.user_attrs.get(attrs.TEST), "rerun_test": score(model, data.test, data),
        "max_difference": max(diffs) if diffs else None, "identical": bool(n) and n == len(stored) and not any(diffs),
    }
