"""The final model: after a search, the rank-1 configuration is refit on train + validation.

Why: during the search every model saw at most 80% of train + validation (a fold) or 60% of the
data (holdout); the rows held out to choose with are wasted on the shipped model. As scikit-
learn's `GridSearchCV(refit=True)` does, the chosen configuration is trained once more on all of
train + validation, with its own seed and training knobs, for the epoch count the ranking chose
(`chosen_epochs`: nas.search.selection), keeping the last epoch's weights (there is no held-out
row left to pick an epoch with). The test split is then scored once.

The refit is stored as the study attribute `refit:<trial>` (Optuna refuses to change a finished
trial's attributes) with its weights as an artifact of the study; export, predict (through the
bundle), the leaderboard and the search summary use it. A resumed search whose rank-1 trial
changed refits the new one; one whose rank-1 is already refit does nothing.
"""
from __future__ import annotations

from typing import Any

import torch

from nas.data import TaskData, train_plus_val
from nas.metrics import report, score
from nas.search.config import SearchConfig, stored_seed
from nas.search.events import SearchObserver
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


def refit_trial(study: Any, trial: Any, data: TaskData, device: Any, store: Any, seed: int,
                observer: SearchObserver | None = None) -> dict[str, Any]:
    """Train `trial`'s configuration on train + validation for its chosen epochs, score the test
    split once, store weights and figures on the study; returns the stored refit record."""
    observer = observer or SearchObserver()
    epochs = refit_epochs(trial)
    arch = trial_arch(trial).with_train(epochs=epochs)
    merged = train_plus_val(data).to(device)
    observer.refit_started(trial.number, epochs, len(merged.train))
    model, result = train_arch(arch, merged, seed, device, keep_best=False,
                               on_epoch=lambda epoch, value: observer.epoch_done(trial.number, epoch, value))
    info = {attrs.REFIT_CHECKPOINT: save_refit_checkpoint(study, trial.number, result.state, store),
            attrs.REFIT_TEST: score(model, merged.test, merged), attrs.REFIT_TEST_METRICS: report(model, merged.test, merged),
            attrs.REFIT_EPOCHS: epochs, attrs.REFIT_SECONDS: round(result.seconds, 3),
            attrs.REFIT_DEVICE: str(device), attrs.REFIT_ROWS: len(merged.train)}
    study.set_user_attr(attrs.refit_key(trial.number), info)
    return info


def refit_best(cfg: SearchConfig, data: TaskData, device: Any, study: Any,
               observer: SearchObserver | None = None) -> tuple[int, dict[str, Any]] | None:
    """Refit the study's rank-1 trial unless it already is; (its number, its refit) or None when
    no trial completed."""
    ranked = ranked_trials(study)
    if not ranked:
        return None
    best = ranked[0]
    done = trial_refit(study, best.number)
    if done is not None:
        return best.number, done
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    store = artifact_store(cfg.storage, cfg.artifacts)
    return best.number, refit_trial(study, best, data, device, store, stored_seed(best, cfg.seed), observer)
