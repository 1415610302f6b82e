"""When to stop a running trial: Optuna's pruner (one objective) or the dominance rule (several).

Pruning compares like with like. With a holdout split a trial reports its validation value
after every epoch (step = epoch). With K-fold cross-validation it reports after every fold
(step = fold index, value = that fold's score at the epoch the folds so far choose together,
nas.search.selection.fold_score), so a hopeless candidate stops after its first fold and is never
compared with another trial's epoch. The pruners' budgets are sized to match (`steps` in
nas.search.strategies.make_pruner: epochs, or folds).
"""
from __future__ import annotations

from typing import Any

from optuna.trial import TrialState

from nas.search.objectives import Goals, dominated
from nas.search.selection import choose, fold_score
from nas.store import attrs


class Stopper:
    """Asked after each epoch and after each split; returns why to stop the trial, or None."""

    def __init__(self, trial: Any, goals: Goals, costs: dict[str, Any], epochs: int, folds: int,
                 prunable: bool = True) -> None:
        self.trial, self.goals, self.costs, self.epochs, self.folds = trial, goals, costs, epochs, folds
        # False for a linear model: the baseline's class, seconds to fit, scored in full as the
        # reference of the one-standard-error rule (nas.search.prepared.probes). Still reported.
        self.prunable = prunable
        self.direction = goals.directions[0]
        self._completed: list[Any] | None = None

    def after_epoch(self, epoch: int, curve: list[float]) -> str | None:
        """Holdout only: the epoch-wise rule. (With folds, epochs are never reported.)"""
        if self.folds > 1:
            return None
        if not self.goals.multi:
            self.trial.report(curve[-1], epoch)
            return f"pruned after epoch {epoch + 1} at {curve[-1]:.4f}" if self.prunable and self.trial.should_prune() else None
        best = max(curve) if self.direction == "maximize" else min(curve)
        if epoch < max(1, self.epochs // 4) or epoch >= self.epochs - 1:  # warm-up; the last epoch is paid for
            return None
        return self._dominated(best)

    def after_fold(self, fold: int, curves: list[list[float]], losses: list[list[float]] | None = None) -> str | None:
        """Cross-validation only: the fold-wise rule (the last fold is paid for)."""
        if self.folds <= 1:
            return None
        if not self.goals.multi:
            value = fold_score(curves, self.direction, losses)
            self.trial.report(value, fold)
            if fold < self.folds - 1 and self.prunable and self.trial.should_prune():
                return f"pruned after fold {fold + 1} of {self.folds} at {value:.4f}"
            return None
        if fold >= self.folds - 1:
            return None
        return self._dominated(choose(curves, self.direction).value)

    def _dominated(self, value: float) -> str | None:
        if not self.goals.prune or not self.prunable:
            return None
        if self._completed is None:  # read once per trial: the completed trials do not change meanwhile
            self._completed = list(self.trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
        by = dominated(value, self.costs, self.goals, self._completed)
        if by is None:
            return None
        self.trial.set_user_attr(attrs.PRUNED_BY, by)
        return f"dominated by trial {by} at {value:.4f}"
