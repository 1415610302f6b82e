"""Retrain: the last step of NAS. The chosen architecture is trained from scratch on train +
validation with the trial's own training knobs and seed, scored once on the untouched test split,
and written as a bundle (`nas.ship.export.write_bundle`, with all of export's checks).

With the validation rows in the training set there is nothing left to pick an epoch with, so
training runs the epoch count the search chose for the trial (`chosen_epochs`, or `--epochs`)
and keeps the final weights; the test split is still never seen. With the same seed and epochs
this repeats the search's own refit (nas.search.refit), which export already ships.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from nas.data import train_plus_val
from nas.errors import UsageError
from nas.metrics import score
from nas.models import summarize
from nas.search import stored_seed
from nas.search.refit import refit_epochs
from nas.ship.bundle import check_destination
from nas.ship.export import BUNDLES_DIR, Candidate, ExportResult, write_bundle
from nas.ship.source import pick_trial, study_data
from nas.store import attrs, trial_arch
from nas.train import TrainConfig, train_arch


def retrain(study: Any, number: int | None, epochs: int | None, formats: tuple[str, ...], out: Path | None,
            force: bool, device: Any, on_epoch: Callable[[int, float], None] | None = None) -> ExportResult:
    """Retrain trial `number` (default: the best) on train + val for `epochs` (default: the epoch
    count the search chose for it, as the search's own refit does), then bundle it."""
    if epochs is not None and epochs < 1:
        raise UsageError(f"--epochs: must be at least 1, got {epochs}")
    record, data = study_data(study)
    trial = pick_trial(study, number, ("COMPLETE", "PRUNED"), "cannot be retrained (pick a completed or pruned trial)")
    arch = trial_arch(trial).with_train(epochs=int(epochs) if epochs is not None else refit_epochs(trial))
    out = out or Path(BUNDLES_DIR) / f"{study.study_name}-trial{trial.number}-retrained"
    check_destination(out, force)  # before training, which is the slow part
    seed = stored_seed(trial, record.seed)
    merged = train_plus_val(data).to(device)
    model, result = train_arch(arch, merged, seed, device, on_epoch=on_epoch, keep_best=False)
    test = score(model, merged.test, merged)
    epochs_run = TrainConfig.from_arch(arch).epochs
    c = Candidate(model.cpu().eval(), arch.to_dict(), "single", arch.family, summarize(arch),
                  metrics={"val": None, "test": test, "search_val": trial.values[0] if trial.values else None,
                           "search_test": trial.user_attrs.get(attrs.TEST)},
                  source={"study": study.study_name, "trial": trial.number, "seed": seed,
                          "retrained": {"on": "train+val", "rows": len(merged.train), "epochs": epochs_run,
                                        "seconds": round(result.seconds, 3), "device": str(device),
                                        "final_fit": result.curve[-1] if result.curve else None}},
                  recorded_device=str(device))
    manifest = write_bundle(c, record, data, formats, out, force)
    return ExportResult(out, manifest, {"search_test": trial.user_attrs.get(attrs.TEST), "test": test,
                                        "epochs": epochs_run, "seconds": result.seconds})
