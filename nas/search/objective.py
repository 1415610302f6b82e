"""The objective Optuna calls once per trial: sample -> build -> assess costs -> fit -> store.

With cross-validation a trial trains one model per fold (nas.search.crossval) and its value is
the mean over folds at the epoch count chosen from the mean curve (nas.search.selection);
with a holdout split, the smoothed curve at its best epoch. Either way the tie-breaking
validation loss and the chosen epoch count are stored for the ranking and the refit.

Every exception but pruning becomes a recorded failure (its reason stored on the trial), so one
bad candidate never stops a search; a full or read-only disk does (every trial would fail).
"""
from __future__ import annotations

import errno
import gc
import math
import statistics
import time
from collections.abc import Callable
from typing import Any

import optuna
import torch

from nas.arch import Arch
from nas.data import TaskData
from nas.device import free_memory
from nas.errors import StoreError
from nas.metrics import scored
from nas.models import summarize
from nas.sample import is_linear, sample_arch
from nas.search.config import trial_seed
from nas.search.crossval import FoldRun, train_splits
from nas.search.dedup import DuplicateIndex
from nas.search.events import SearchObserver, TrialFailed
from nas.search.objectives import Goals, assess
from nas.search.pruning import Stopper
from nas.search.selection import mean_curve
from nas.space import Space
from nas.store import attrs, trial_arch
from nas.store.checkpoints import VAL_OUTPUTS_KEY, save_checkpoint
from nas.train import TrainConfig, build_seeded, path_decay

DISK_FULL = (errno.ENOSPC, errno.EROFS, errno.EDQUOT)
# A trial whose epochs to go would take more than this share of the time left for trials is stopped
# after its second epoch (Objective._too_slow): at most one such trial would leave room for one more.
SLOW_SHARE = 0.5


def epochs_share(study: Any, family: str) -> tuple[float, str] | None:
    """The share of their epoch limit that the study's completed networks of `family` trained,
    the median over them (each: the mean over its folds), or over every family's while none of
    `family` has completed; with the words that say whose it is. None before any completed.

    Why: patience ends most fits long before the space's limit (1.4 million rows of a table: 21-55
    of 200 epochs), so a new trial's time to go is its limit at this share, not the limit itself,
    which stopped most candidates of a large table as too slow after 2 epochs (Objective._too_slow).
    Its own family first: a rocket head runs most of its 8 epochs, a conv1d network 16-38 of its
    100. The median, not the most: one fit that ran to its limit would bring back the limit for
    every candidate after it. Trials without a patience (they run to their limit; linear trials: a
    fixed path of epochs) and reused repeats are left out."""
    shares: dict[str, list[float]] = {}
    for trial in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)):
        user = trial.user_attrs
        curves = user.get(attrs.FOLD_CURVES) or [user.get(attrs.CURVE) or []]
        if user.get(attrs.DUPLICATE_OF) is not None or attrs.ARCH not in user or not curves[0]:
            continue
        arch = trial_arch(trial)
        cfg = TrainConfig.from_arch(arch)
        if not is_linear(arch) and cfg.epochs > 0 and cfg.patience > 0:
            ran = sum(len(c) for c in curves) / len(curves)
            shares.setdefault(arch.family, []).append(min(1.0, ran / cfg.epochs))
    if family in shares:
        return statistics.median(shares[family]), f"completed {family} trials"
    every = [share for of_family in shares.values() for share in of_family]
    return (statistics.median(every), "completed trials") if every else None


def failure_reason(exc: BaseException) -> str:
    """One line for the store: out-of-memory errors are named as such (GPU or host)."""
    kinds = {torch.OutOfMemoryError: "out of memory (GPU)", MemoryError: "out of memory (host)"}
    kind = next((v for k, v in kinds.items() if isinstance(exc, k)), type(exc).__name__)
    return f"{kind}: {exc}".splitlines()[0][:500]


class Objective:
    """Called by Optuna once per trial. Every exception but pruning becomes a recorded failure."""

    def __init__(self, space: Space, data: TaskData, device: Any, seed: int, store: Any,
                 observer: SearchObserver, goals: Goals, splits: list[TaskData] | None = None) -> None:
        """`splits`: the K cross-validation folds of `data`, or None for its holdout split."""
        self.space, self.data, self.device, self.seed = space, data, device, seed
        self.splits = splits or [data]
        self.folds = len(splits) if splits else 1
        self.store, self.observer, self.goals = store, observer, goals
        self.before_trial: Callable[[Any], None] = lambda trial: None  # set by the trial loop (lease, gate)
        # raises Interrupted at a safe point (a signal; the deadline, nearer than the seconds given);
        # True: the deadline is near and the study has no answer, so this trial ends as it stands
        self.stop_check: Callable[[float], bool] = lambda ahead: False
        # seconds left for trials once the study has an answer; None: no budget, or no answer yet
        self.seconds_left: Callable[[], float | None] = lambda: None
        self.current: int | None = None
        self.duplicates = DuplicateIndex()  # repeated configurations reuse results

    def __call__(self, trial: Any) -> float | tuple[float, ...]:
        self.current = trial.number
        self.before_trial(trial)
        arch = sample_arch(self.space, trial, self.data.kind, len(self.data.train))
        seed = trial_seed(self.seed, trial.number)
        summary = summarize(arch)
        for key, value in {attrs.ARCH: arch.to_dict(), attrs.SUMMARY: summary, attrs.SEED: seed}.items():
            trial.set_user_attr(key, value)
        self.observer.trial_started(trial.number, summary, int(arch.train.get("epochs", 1)) * len(self.splits))
        reason: str | None = None
        try:
            reused = self.duplicates.reuse(trial, arch)  # never train the same configuration twice
            return reused if reused is not None else self._train(trial, arch, seed)
        except optuna.TrialPruned:
            raise
        except KeyboardInterrupt as exc:  # Ctrl-C / SIGTERM; the run loop re-queues the configuration
            trial.set_user_attr(attrs.FAIL_REASON, f"interrupted ({exc.args[0] if exc.args else 'SIGINT'}); configuration re-queued")
            raise
        except Exception as exc:  # noqa: BLE001 - a trial's failure must never stop the search
            if isinstance(exc, OSError) and exc.errno in DISK_FULL:
                raise StoreError(f"{exc.filename or 'artifact store'}: cannot write a checkpoint ({exc.strerror})") from None
            reason = failure_reason(exc)
            trial.set_user_attr(attrs.FAIL_REASON, reason)
        finally:
            free_memory(self.device)
            if reason is None:
                gc.freeze()  # what survived is long-lived (cached trials): later collects skip it
        # Raised outside the except block: the traceback (and the tensors its frames hold, e.g. after
        # an out-of-memory error) is gone, so this second free_memory really frees them.
        free_memory(self.device)
        gc.freeze()
        raise TrialFailed(reason)

    def _train(self, trial: Any, arch: Arch, seed: int) -> float | tuple[float, ...]:
        model = build_seeded(arch, self.splits[0], seed, self.device)
        costs, rejected = assess(trial, model, self.data, self.device, self.goals)
        if rejected:  # never trained: a pessimistic metric + constraints teach the sampler
            return self.goals.values(self.goals.pessimistic(self.data), costs)
        epochs, folds = int(arch.train.get("epochs", 1)), self.folds
        stopper = Stopper(trial, self.goals, costs, epochs, folds, prunable=not is_linear(arch))
        curves: list[list[float]] = [[] for _ in self.splits]

        ended, late = [time.monotonic()], [False]

        def on_epoch(split: int, epoch: int, value: float) -> bool:
            now = time.monotonic()
            ended[0], last = now, now - ended[0]
            # a signal, or a deadline nearer than one more epoch: stop here, reason recorded; the
            # study's first answer ends its training instead (and trains no further fold), and completes
            late[0] = late[0] or self.stop_check(last)
            cut = late[0] and epoch < epochs - 1
            curves[split].append(value)
            self.observer.epoch_done(trial.number, split * epochs + epoch, value)
            self._stop(trial, stopper.after_epoch(epoch, curves[split]), curves[: split + 1])
            if split == 0 and epoch == 1 and stopper.prunable:  # the second epoch: its time is the steady one
                self._stop(trial, self._too_slow(trial, last, arch), curves[:1])
            if late[0] and (cut or split < folds - 1):
                self.observer.trial_cut(trial.number, epoch + 1, epochs, split, folds)
            return cut

        def after_split(split: int, run: FoldRun) -> bool:
            self._stop(trial, stopper.after_fold(split, run.curves, run.loss_curves), run.curves)
            return late[0]

        run = train_splits(arch, self.splits, seed, self.device, first=model, on_epoch=on_epoch, after_split=after_split)
        for key, value in self._results(trial, arch, run).items():
            trial.set_user_attr(key, value)
        return self.goals.values(run.choice(self.data.direction).value, costs)

    def _too_slow(self, trial: Any, epoch_seconds: float, arch: Arch) -> str | None:
        """Why a trial is stopped after its second epoch for the time budget (None: it goes on):
        its epochs to go, at that epoch's time, would take more than SLOW_SHARE of the time left
        for trials. Why: one trial that takes most of what is left leaves the search no room for
        the several cheaper candidates that could beat it (a 28 x 28 image search spent 235 of its
        540 s on one CNN, the worst of its four); it could not finish at all past the deadline. Only
        once the study has an answer, so a slow first trial is still trained.

        Its epochs to go: every fold's limit at first; when that is too slow and the trial has a
        patience, each fold at the share of its limit that the study's completed trials of its
        family ran (epochs_share), read from the store only then."""
        epochs, folds, patience = int(arch.train.get("epochs", 1)), self.folds, TrainConfig.from_arch(arch).patience
        left = self.seconds_left()
        if left is None or epoch_seconds * (epochs * folds - 2) <= SLOW_SHARE * left:
            return None
        share = epochs_share(trial.study, arch.family) if patience > 0 else None
        expected = epochs if share is None else min(epochs, max(2, math.ceil(share[0] * epochs)))
        to_go = max(0, expected * folds - 2)
        need = epoch_seconds * to_go
        if need <= SLOW_SHARE * left:
            return None
        said = "" if share is None or expected == epochs else \
            f" (patience ended the study's {share[1]} at {share[0]:.0%} of their epochs)"
        reason = (f"too slow for the time budget: {epoch_seconds:.1f} s an epoch, about {need:.0f} s for its {to_go} "
                  f"epoch{'s' if to_go != 1 else ''} to go{said}, more than {SLOW_SHARE:.0%} of the {max(0.0, left):.0f} s "
                  f"left for trials")
        trial.set_user_attr(attrs.TOO_SLOW, reason)
        return reason

    def _stop(self, trial: Any, reason: str | None, curves: list[list[float]]) -> None:
        """Prune with `reason` (None: go on), storing the curve(s) trained so far."""
        if reason is None:
            return
        trial.set_user_attr(attrs.CURVE, mean_curve(curves) if self.folds > 1 else curves[0])
        if self.folds > 1:
            trial.set_user_attr(attrs.FOLD_CURVES, curves)
        raise optuna.TrialPruned(reason)

    def _results(self, trial: Any, arch: Arch, run: FoldRun) -> dict[str, Any]:
        """What a trained trial stores: the chosen epoch count and value's parts, the tie-breaking
        loss, split 0's kept model (checkpoint and its search-time test figures), and the kept
        models' outputs on the validation rows (ensemble selection, nas.search.blend)."""
        choice, model, first = run.choice(self.data.direction), run.first, run.results[0]
        test, test_metrics = scored(model, self.data.test, self.data)
        stored = {attrs.CURVE: choice.curve if self.folds > 1 else first.curve, attrs.BEST_EPOCH: first.best_epoch,
                  attrs.CHOSEN_EPOCHS: choice.epochs, attrs.VAL_LOSS: choice.loss,
                  attrs.TEST: test, attrs.TRAIN_SECONDS: run.seconds,
                  attrs.DEVICE: str(self.device), attrs.CHECKPOINT: save_checkpoint(trial, first.state, self.store),
                  attrs.VAL_OUTPUTS: save_checkpoint(trial, {VAL_OUTPUTS_KEY: run.out_of_fold}, self.store),
                  attrs.TEST_METRICS: test_metrics}
        decay = path_decay(TrainConfig.from_arch(arch), choice.epochs - 1)
        if decay is not None:
            stored[attrs.CHOSEN_WEIGHT_DECAY] = decay
        if self.folds > 1:
            stored.update({attrs.FOLDS: len(run.results), attrs.FOLD_VALUES: choice.fold_values,
                           attrs.FOLD_STD: choice.fold_std, attrs.FOLD_CURVES: run.curves,
                           attrs.FOLD_LOSSES: choice.fold_losses})
        return stored
