"""The objective Optuna calls once per trial: sample -> build -> assess costs -> fit -> store.

Every exception but pruning becomes a recorded failure (its reason stored on the trial), so one
bad candidate never stops a search; a full or read-only disk does (every trial would fail).
"""
from __future__ import annotations

import errno
import gc
from collections.abc import Callable
from typing import Any

import optuna
import torch
from optuna.trial import TrialState

from nas.arch import Arch
from nas.data import TaskData
from nas.device import free_memory
from nas.errors import StoreError
from nas.metrics import report, score
from nas.models import summarize
from nas.sample import sample_arch
from nas.search.config import trial_seed
from nas.search.dedup import DuplicateIndex
from nas.search.events import SearchObserver, TrialFailed
from nas.search.objectives import Goals, assess, dominated
from nas.space import Space
from nas.store import attrs
from nas.store.checkpoints import save_checkpoint
from nas.train import TrainConfig, build_seeded, fit

DISK_FULL = (errno.ENOSPC, errno.EROFS, errno.EDQUOT)


def failure_reason(exc: BaseException) -> str:
    """One line for the store: out-of-memory errors are named as such (GPU or host)."""
    kinds = {torch.OutOfMemoryError: "out of memory (GPU)", MemoryError: "out of memory (host)"}
    kind = next((v for k, v in kinds.items() if isinstance(exc, k)), type(exc).__name__)
    return f"{kind}: {exc}".splitlines()[0][:500]


class Objective:
    """Called by Optuna once per trial. Every exception but pruning becomes a recorded failure."""

    def __init__(self, space: Space, data: TaskData, device: Any, seed: int, store: Any,
                 observer: SearchObserver, goals: Goals) -> None:
        self.space, self.data, self.device, self.seed = space, data, device, seed
        self.store, self.observer, self.goals = store, observer, goals
        self.before_trial: Callable[[Any], None] = lambda trial: None  # set by the trial loop (lease, gate)
        self.stop_check: Callable[[], None] = lambda: None  # raises Interrupted at a safe point (signal, deadline)
        self.current: int | None = None
        self.duplicates = DuplicateIndex()  # repeated configurations reuse results

    def __call__(self, trial: Any) -> float | tuple[float, ...]:
        self.current = trial.number
        self.before_trial(trial)
        arch = sample_arch(self.space, trial)
        seed = trial_seed(self.seed, trial.number)
        summary = summarize(arch)
        for key, value in {attrs.ARCH: arch.to_dict(), attrs.SUMMARY: summary, attrs.SEED: seed}.items():
            trial.set_user_attr(key, value)
        self.observer.trial_started(trial.number, summary, int(arch.train.get("epochs", 1)))
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
        model = build_seeded(arch, self.data, seed, self.device)
        costs, rejected = assess(trial, model, self.data, self.device, self.goals)
        if rejected:  # never trained: a pessimistic metric + constraints teach the sampler
            return self.goals.values(self.goals.pessimistic(self.data), costs)
        curve: list[float] = []
        stop = self._stopper(trial, costs, int(arch.train.get("epochs", 1)))

        def on_epoch(epoch: int, value: float) -> None:
            self.stop_check()  # a signal or the time budget stops the trial here, its reason recorded
            curve.append(value)
            self.observer.epoch_done(trial.number, epoch, value)
            if stop(epoch, curve):
                trial.set_user_attr(attrs.CURVE, curve)
                raise optuna.TrialPruned(f"pruned after epoch {epoch + 1} at {value:.4f}")

        result = fit(model, self.data, TrainConfig.from_arch(arch), seed=seed, on_epoch=on_epoch)
        stored = {attrs.CURVE: result.curve, attrs.BEST_EPOCH: result.best_epoch,
                  attrs.TEST: score(model, self.data.test, self.data), attrs.TRAIN_SECONDS: result.seconds,
                  attrs.DEVICE: str(self.device), attrs.CHECKPOINT: save_checkpoint(trial, result.state, self.store),
                  attrs.TEST_METRICS: report(model, self.data.test, self.data)}
        for key, value in stored.items():
            trial.set_user_attr(key, value)
        return self.goals.values(result.best_value, costs)

    def _stopper(self, trial: Any, costs: dict[str, Any], epochs: int) -> Callable[[int, list[float]], bool]:
        """One objective: Optuna's pruner. Several: the dominance rule of nas.search.objectives."""
        if not self.goals.multi:
            def report_epoch(epoch: int, curve: list[float]) -> bool:
                trial.report(curve[-1], epoch)
                return bool(trial.should_prune())
            return report_epoch
        warmup = max(1, epochs // 4)
        best = max if self.goals.directions[0] == "maximize" else min
        completed: list[Any] = []

        def rule(epoch: int, curve: list[float]) -> bool:
            if not self.goals.prune or epoch < warmup or epoch >= epochs - 1:  # the last epoch is paid for
                return False
            if not completed:  # read once per trial: the completed trials do not change meanwhile
                completed.extend(trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
            by = dominated(best(curve), costs, self.goals, completed)
            if by is not None:
                trial.set_user_attr(attrs.PRUNED_BY, by)
            return by is not None
        return rule
