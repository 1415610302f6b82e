"""The final model: after a search, the rank-1 configuration becomes the model that ships.

Why: during the search every model saw at most 80% of train + validation (a fold) or 60% of the
data (holdout); the model that ships should use every row held out to choose with. Two ways,
one table (`FINAL_MODELS`), both scored once on the untouched test split:

- `ensemble` (cross-validated studies, the default there): the K fold models of the rank-1 trial,
  trained again exactly as the search trained them (same folds, same seeds, each keeping its best
  epoch on its own fold), their probabilities (outputs, for regression) averaged by
  `nas.models.ensemble.Ensemble`. Together they have seen every train + validation row, and
  averaging K models removes much of one model's seed luck. benchmarks/refit_vs_ensemble.py
  measured it against the refit: better on test in 7 of 12 configurations, worse in 3
  (docs/model-selection.md has the table).
- `refit` (holdout studies; time-ordered folds, whose first models saw only the distant past;
  any study with a cost objective or limit: an ensemble has K times the parameters, FLOPs and
  latency the search measured): as scikit-learn's
  `GridSearchCV(refit=True)`, the configuration trained once more on all of train + validation
  with its own seed and knobs for the epoch count the ranking chose (`chosen_epochs`,
  nas.search.selection), keeping the last epoch's weights (no held-out row is left to pick one).

The result is stored as the study attribute `refit:<trial>` (Optuna refuses to change a finished
trial's attributes), its weights as an artifact of the study; export, predict (through the
bundle), the leaderboard and the search summary use it. A resumed search whose rank-1 trial
changed builds the new one's; one whose rank-1 already has its final model does nothing.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from nas.data import TaskData, fold_scheme, train_plus_val
from nas.metrics import report, score
from nas.models.ensemble import Ensemble
from nas.search.config import stored_seed
from nas.search.crossval import train_splits
from nas.search.events import SearchObserver
from nas.search.prepared import PreparedSearch
from nas.store import artifact_store, attrs, ranked_trials, trial_arch, trial_refit
from nas.store.checkpoints import save_refit_checkpoint
from nas.train import TrainConfig, train_arch


def refit_epochs(trial: Any) -> int:
    """The epoch count to refit for: the stored choice; for a trial stored before it existed, its
    best epoch + 1, else its architecture's epochs."""
    for value in (trial.user_attrs.get(attrs.CHOSEN_EPOCHS),
                  None if trial.user_attrs.get(attrs.BEST_EPOCH) is None else trial.user_attrs[attrs.BEST_EPOCH] + 1):
        if isinstance(value, int) and value >= 1:
            return value
    return TrainConfig.from_arch(trial_arch(trial)).epochs


def _store(study: Any, trial: Any, model: torch.nn.Module, test_data: TaskData, store: Any,
           extra: dict[str, Any]) -> dict[str, Any]:
    """Score the final model on test once, save its weights on the study, record it."""
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    info = {attrs.REFIT_CHECKPOINT: save_refit_checkpoint(study, trial.number, state, store),
            attrs.REFIT_TEST: score(model, test_data.test, test_data),
            attrs.REFIT_TEST_METRICS: report(model, test_data.test, test_data), **extra}
    study.set_user_attr(attrs.refit_key(trial.number), info)
    return info


Check = Callable[[], None]  # raises (Interrupted) at a safe point: a signal arrived, the time budget ran out


def _progress(observer: SearchObserver, check: Check | None, number: int, epochs: int) -> Callable[[int, int, float], None]:
    """The per-epoch hook of a final model's training: stop if asked, then report progress."""
    def hook(split: int, epoch: int, value: float) -> None:
        if check is not None:
            check()
        observer.epoch_done(number, split * epochs + epoch, value)
    return hook


def refit_trial(study: Any, trial: Any, data: TaskData, device: Any, store: Any, seed: int,
                observer: SearchObserver | None = None, check: Check | None = None) -> dict[str, Any]:
    """`refit`: train `trial`'s configuration on train + validation for its chosen epochs."""
    observer = observer or SearchObserver()
    epochs = refit_epochs(trial)
    merged = train_plus_val(data).to(device)
    observer.refit_started(trial.number, f"refitting trial {trial.number} on train + validation "
                                         f"({len(merged.train):,} rows, {epochs} epochs)", epochs)
    hook = _progress(observer, check, trial.number, epochs)
    model, result = train_arch(trial_arch(trial).with_train(epochs=epochs), merged, seed, device, keep_best=False,
                               on_epoch=lambda epoch, value: hook(0, epoch, value))
    return _store(study, trial, model, merged, store, {
        attrs.REFIT_KIND: "refit", attrs.REFIT_EPOCHS: epochs, attrs.REFIT_SECONDS: round(result.seconds, 3),
        attrs.REFIT_DEVICE: str(device), attrs.REFIT_ROWS: len(merged.train)})


def ensemble_trial(study: Any, trial: Any, data: TaskData, splits: list[TaskData], device: Any, store: Any,
                   seed: int, observer: SearchObserver | None = None, check: Check | None = None) -> dict[str, Any]:
    """`ensemble`: train `trial`'s models on the study's folds (`splits`, on `device`) again as the
    search did, and average them."""
    observer = observer or SearchObserver()
    arch = trial_arch(trial)
    epochs = TrainConfig.from_arch(arch).epochs
    observer.refit_started(trial.number, f"training the {len(splits)} fold models of trial {trial.number} again "
                                         f"for their ensemble ({epochs} epochs each)", epochs * len(splits))
    run = train_splits(arch, splits, seed, device, keep_models=True,
                       on_epoch=_progress(observer, check, trial.number, epochs))
    model = Ensemble(run.models, data.kind).eval()
    return _store(study, trial, model, splits[0], store, {
        attrs.REFIT_KIND: "ensemble", attrs.REFIT_MEMBERS: len(splits), attrs.REFIT_EPOCHS: epochs,
        attrs.REFIT_SECONDS: round(run.seconds, 3), attrs.REFIT_DEVICE: str(device),
        attrs.REFIT_ROWS: len(data.train) + len(data.val)})


def _refit(p: PreparedSearch, study: Any, trial: Any, observer: SearchObserver, check: Check | None) -> dict[str, Any]:
    store = artifact_store(p.config.storage, p.config.artifacts)
    return refit_trial(study, trial, p.data, p.device, store, stored_seed(trial, p.config.seed), observer, check)


def _ensemble(p: PreparedSearch, study: Any, trial: Any, observer: SearchObserver, check: Check | None) -> dict[str, Any]:
    store = artifact_store(p.config.storage, p.config.artifacts)
    splits = p.splits(p.data.to(p.device)) or []
    return ensemble_trial(study, trial, p.data, splits, p.device, store, stored_seed(trial, p.config.seed),
                          observer, check)


# the kind of final model -> how it is built from the prepared search, the study and the rank-1 trial
FINAL_MODELS: dict[str, Callable[[PreparedSearch, Any, Any, SearchObserver, Check | None], dict[str, Any]]] = {
    "refit": _refit, "ensemble": _ensemble,
}


def final_kind(prepared: PreparedSearch) -> str:
    """`ensemble` of the fold models for a cross-validated study without cost goals, unless its
    folds are time-ordered (the early folds' models never saw the recent past a forecast needs
    most); else `refit`."""
    costs = prepared.goals.multi or prepared.goals.limits.any
    ordered = fold_scheme(prepared.data) == "ordered"
    return "ensemble" if prepared.folds > 1 and not costs and not ordered else "refit"


def refit_best(prepared: PreparedSearch, study: Any, observer: SearchObserver | None = None,
               check: Check | None = None) -> tuple[int, dict[str, Any]] | None:
    """Build the rank-1 trial's final model unless it has one; (its number, its record) or None
    when no trial completed. `check` is called after every epoch (it raises to stop)."""
    ranked = ranked_trials(study)
    if not ranked:
        return None
    best = ranked[0]
    done = trial_refit(study, best.number)
    if done is not None:
        return best.number, done
    threads = prepared.config.threads or best.user_attrs.get(attrs.THREADS)
    if threads:  # the fold models repeat the search's arithmetic only with its thread count
        torch.set_num_threads(int(threads))
    return best.number, FINAL_MODELS[final_kind(prepared)](prepared, study, best, observer or SearchObserver(), check)
