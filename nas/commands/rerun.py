"""`nas rerun`: train a stored trial again and compare the metric (the work: nas.ship.rerun)."""
from __future__ import annotations

import json
from typing import Optional

import typer

from nas.commands._common import StorageOpt, StudyOpt, console, quiet_optuna, ranged


def rerun(
    trial: int = ranged(..., "--trial", "Number of the trial to train again."),
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    device: str = typer.Option("cpu", "--device", help="cpu (bitwise where torch allows), cuda or cuda:N."),
    as_json: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Train a trial again with its stored architecture and seed; report the metric difference."""
    from nas.device import resolve_device
    from nas.ship.rerun import rerun_trial
    from nas.store import find_trial, load_study, open_storage

    quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    report = rerun_trial(loaded, find_trial(loaded, trial), resolve_device(device))
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    verdict = "bitwise identical" if report["identical"] else f"max difference {report['max_difference']:.3g}"
    console.print(f"trial {trial} (seed {report['seed']}, {report['threads'] or '?'} threads): "
                  f"stored curve {_fmt(report['stored_curve'])}, rerun {_fmt(report['rerun_curve'])}: {verdict}", highlight=False)
    console.print(f"test: stored {report['stored_test']}, rerun {report['rerun_test']}", highlight=False)


def _fmt(curve: list[float]) -> str:
    return "[" + ", ".join(f"{v:.6f}" for v in curve) + "]"
