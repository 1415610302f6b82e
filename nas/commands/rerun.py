"""`nas rerun`: train a stored trial again from its architecture and seed, and compare the metric.

Why: a search result is only worth keeping if it can be reproduced. A trial's seed is derived from
the study seed and its number (never from the worker that ran it), and the CPU thread count it ran
with is stored too, so the rerun repeats the same arithmetic: on the CPU the curve is usually
bitwise identical; the difference is printed either way.
"""
from __future__ import annotations

import json
from typing import Any, Optional

import typer

from nas.commands._common import StorageOpt, StudyOpt, console, quiet_optuna, ranged


def rerun_trial(study: Any, trial: Any, device: Any) -> dict[str, Any]:
    """Retrain `trial` and return stored vs rerun validation curve, best value and test score."""
    import torch

    from nas.data import DataSpec, load_data
    from nas.metrics import score
    from nas.models import build_model
    from nas.store import trial_arch
    from nas.train import TrainConfig, fit, seed_everything

    arch, seed = trial_arch(trial), int(trial.user_attrs.get("seed", 0))
    data = load_data(DataSpec.from_dict(study.user_attrs["nas"]["data_spec"])).to(device)
    threads = trial.user_attrs.get("threads")
    if threads:
        torch.set_num_threads(int(threads))
    stored = list(trial.user_attrs.get("curve") or trial.intermediate_values.values())
    cfg = TrainConfig.from_arch(arch)
    if trial.state.name == "PRUNED" and stored:  # it stopped early: replay only the epochs it ran
        cfg = TrainConfig(**{**cfg.__dict__, "epochs": len(stored)})
    seed_everything(seed)
    model = build_model(arch, data.input_shape, data.out_dim).to(device)
    result = fit(model, data, cfg, seed=seed)
    n = min(len(stored), len(result.curve))
    diffs = [abs(a - b) for a, b in zip(stored[:n], result.curve[:n])]
    return {
        "trial": trial.number, "state": trial.state.name.lower(), "seed": seed, "threads": threads,
        "stored_curve": stored, "rerun_curve": result.curve,
        "stored_value": trial.value if trial.state.name == "COMPLETE" else None, "rerun_value": result.best_value,
        "stored_test": trial.user_attrs.get("test"), "rerun_test": score(model, data.test, data),
        "max_difference": max(diffs) if diffs else None, "identical": bool(n) and n == len(stored) and not any(diffs),
    }


def rerun(
    trial: int = ranged(..., "--trial", "Number of the trial to train again."),
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    device: str = typer.Option("cpu", "--device", help="cpu (bitwise where torch allows), cuda or cuda:N."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Train a trial again with its stored architecture and seed; report the metric difference."""
    from nas.device import resolve_device
    from nas.errors import StoreError
    from nas.store import find_trial, load_study, open_storage

    quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    found = find_trial(loaded, trial)
    if found.state.name not in ("COMPLETE", "PRUNED"):
        raise StoreError(f"--trial: trial {trial} is {found.state.name.lower()}, it has no result to reproduce "
                         f"({found.user_attrs.get('fail_reason') or 'no reason stored'})")
    report = rerun_trial(loaded, found, resolve_device(device))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    verdict = "bitwise identical" if report["identical"] else f"max difference {report['max_difference']:.3g}"
    console.print(f"trial {trial} (seed {report['seed']}, {report['threads'] or '?'} threads): "
                  f"stored curve {_fmt(report['stored_curve'])}, rerun {_fmt(report['rerun_curve'])}: {verdict}", highlight=False)
    console.print(f"test: stored {report['stored_test']}, rerun {report['rerun_test']}", highlight=False)


def _fmt(curve: list[float]) -> str:
    return "[" + ", ".join(f"{v:.6f}" for v in curve) + "]"
