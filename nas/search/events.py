"""What a search tells the outside world: progress events (an observer) and the final result.

Defined at the bottom of the engine so that every layer above can report without importing the
CLI: the CLI subclasses `SearchObserver` to render, a script can ignore the events.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas.errors import TrialError


class TrialFailed(TrialError):
    """Raised out of the objective so Optuna records the trial as failed (its reason is stored)."""


@dataclass
class SearchResult:
    study: str
    storage: str
    metric: str
    direction: str
    total: int
    complete: int = 0
    pruned: int = 0
    failed: int = 0
    requeued: int = 0  # of the failed: stopped unfinished (time budget, signal, dead worker), configuration re-queued
    rejected: int = 0
    repeats: int = 0  # of the complete and pruned: repeats of a finished configuration, not counted toward `total`
    slow: int = 0  # of the pruned: stopped as too slow for the time left (nas.search.objective), not counted
    ran: int = 0
    seconds: float = 0.0
    best: dict[str, Any] | None = None  # rank 1: the chosen trial's leaderboard row
    leader: dict[str, Any] | None = None  # the best validation value's row, when the one-SE rule chose another
    leader_family: bool = False  # the one-SE rule chooses within the leader's family (nas.store.leaderboard.ONE_SE_SCOPE)
    interrupted: bool = False
    stopped_reason: str | None = None
    baseline: dict[str, Any] | None = None
    signal: int | None = None  # SIGINT (2) or SIGTERM (15) when interrupted
    folds: int = 1  # cross-validation folds each trial was scored on (1: the holdout split)
    refit: dict[str, Any] | None = None  # the rank-1 trial's refit (attrs.REFIT_* keys), when there is one
    refit_error: str | None = None  # why no final model was built (diverged, time budget); the trials are kept


class SearchObserver:
    """Progress events of a search; every method is a no-op here. The CLI subclasses it."""

    def search_started(self, study: str, storage: str, done: int, total: int, data: Any, device: Any) -> None: ...
    def trial_started(self, number: int, summary: str, epochs: int) -> None: ...
    def epoch_done(self, number: int, epoch: int, value: float) -> None: ...
    def trial_cut(self, number: int, epochs_run: int, epochs: int, fold: int = 0, folds: int = 1) -> None: ...
    def trial_finished(self, row: dict[str, Any]) -> None: ...
    def refit_started(self, number: int, what: str, epochs: int) -> None: ...
    def search_finished(self, result: SearchResult) -> None: ...
