"""Renderers of search progress: a live Rich display on a terminal, plain log lines otherwise,
nothing with --quiet. They implement `nas.search.SearchObserver`.
"""
from __future__ import annotations

import math
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from nas.commands import _common
from nas.format import fmt
from nas.search.events import SearchObserver, SearchResult


class _Best:
    """Tracks the best finished value in the study's direction."""

    def __init__(self) -> None:
        self.value: float | None = None
        self.trial: int | None = None
        self.maximize = True

    def update(self, row: dict[str, Any]) -> None:
        v = row.get("value")
        if row["state"] != "complete" or v is None:
            return
        if self.value is None or (v > self.value if self.maximize else v < self.value):
            self.value, self.trial = v, row["trial"]

    def text(self, metric: str) -> str:
        return "best: -" if self.value is None else f"best {metric} {self.value:.4f} (trial {self.trial})"


def _slow(row: dict[str, Any]) -> bool:
    """Whether a trial was stopped as too slow for the time left (the one pruned trial that stores
    a reason, a repeat aside): not counted toward --trials (nas.store.Counts.counted)."""
    return row["state"] == "pruned" and row["reason"] is not None and row.get("duplicate_of") is None


def _said(row: dict[str, Any]) -> bool:
    """Whether a finished trial's line gives its reason instead of its value: failed, rejected by
    a cost limit, or stopped as too slow (a repeat's reason is said after its value)."""
    return row["state"] in ("fail", "rejected") or _slow(row)


def _value(row: dict[str, Any]) -> str:
    """A finished trial's validation value; a cross-validated trial pruned after fold k reports
    fold k's score alone (it can look better than the best mean over all folds, so say so)."""
    folds = row.get("folds_done") if row["state"] == "pruned" else None
    return fmt(row["value"]) + (f" on fold {folds}" if folds else "")


class PlainObserver(SearchObserver):
    """One log line per event, for logs and pipes (stdout is not a terminal)."""

    def __init__(self, console: Console) -> None:
        self.console, self.best, self.metric, self.done, self.total = console, _Best(), "", 0, 0

    def search_started(self, study, storage, done, total, data, device) -> None:  # noqa: ANN001
        self.metric, self.done, self.total = data.metric, done, total
        self.best.maximize = data.direction == "maximize"
        verb = "resuming" if done else "starting"
        self.console.print(f"{verb} study '{study}' in {storage}: {done}/{total} trials done; "
                           f"data {data.name} {tuple(data.input_shape)} on {device}", highlight=False)
        for note in data.notes:
            self.console.print(f"data: {note}", highlight=False)

    def _count(self, row: dict[str, Any]) -> str:
        """Count a finished trial toward the target (a repeat is not counted); what to add to its line."""
        if row.get("duplicate_of") is not None:
            return f" (repeat of trial {row['duplicate_of']}, not counted)"
        if row["state"] in ("complete", "pruned", "rejected") and not _slow(row):
            self.done += 1
        return ""

    def trial_finished(self, row: dict[str, Any]) -> None:
        self.best.update(row)
        repeat = self._count(row)
        detail = row["reason"] if _said(row) else f"{self.metric} {_value(row)}{repeat}"
        self.console.print(f"trial {row['trial']} {row['state']}: {detail} | {row['summary']} | "
                           f"{self.done}/{self.total} done, {self.best.text(self.metric)}", highlight=False)

    def refit_started(self, number: int, what: str, epochs: int) -> None:
        self.console.print(what, highlight=False)

    def trial_cut(self, number: int, epochs_run: int, epochs: int, fold: int = 0, folds: int = 1) -> None:
        where = "" if folds == 1 else (f" of fold {fold + 1} of {folds}, and the other folds are not trained "
                                       f"(its value: the mean over {fold + 1} fold{'s' if fold else ''})")
        self.console.print(f"trial {number}: the time budget ends before another epoch and no trial has finished: "
                           f"its training ends at epoch {epochs_run} of {epochs}{where}, as the study's first answer",
                           highlight=False)


class RichObserver(PlainObserver):
    """A live display: trials done / total, the running trial's epoch and metric, the best so far."""

    def __init__(self, console: Console) -> None:
        super().__init__(console)
        self.progress = Progress(TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), console=console, transient=False)
        self.trials_task = self.epoch_task = None
        self.refitting = False

    def search_started(self, study, storage, done, total, data, device) -> None:  # noqa: ANN001
        super().search_started(study, storage, done, total, data, device)
        self.progress.start()
        self.trials_task = self.progress.add_task("trials", total=total, completed=done)
        self.epoch_task = self.progress.add_task("waiting", total=1, completed=0)

    def trial_started(self, number: int, summary: str, epochs: int) -> None:
        self.progress.reset(self.epoch_task, total=epochs, completed=0,
                            description=f"trial {number}: {summary}")

    def epoch_done(self, number: int, epoch: int, value: float) -> None:
        what = f"final model of trial {number}" if self.refitting else f"trial {number}"
        self.progress.update(self.epoch_task, completed=epoch + 1,
                             description=f"{what} epoch {epoch + 1}" + (f": {self.metric} {value:.4f}" if math.isfinite(value) else ""))

    def refit_started(self, number: int, what: str, epochs: int) -> None:
        self.refitting = True
        self.progress.console.print(f"  {what}", highlight=False)
        self.progress.reset(self.epoch_task, total=epochs, completed=0, description=f"final model of trial {number}")

    def trial_finished(self, row: dict[str, Any]) -> None:
        self.best.update(row)
        repeat = self._count(row)
        detail = row["reason"] if _said(row) else _value(row) + repeat
        self.progress.console.print(f"  trial {row['trial']:>3} {row['state']:<8} {detail}  {row['summary']}",
                                    highlight=False)
        self.progress.update(self.trials_task, completed=self.done,
                             description=f"trials ({self.best.text(self.metric)})")

    def search_finished(self, result: SearchResult) -> None:
        self.progress.stop()


def plain_observer() -> SearchObserver:
    """What each worker process of `nas search --workers N` reports with: plain lines on stdout
    (a module-level function, so it can be pickled to the spawned workers)."""
    return PlainObserver(_common.console)  # the one stdout console: no markup, no emoji codes


def make_observer(console: Console, quiet: bool) -> SearchObserver:
    """Quiet: nothing. Terminal: live display. Pipe or file: plain lines."""
    if quiet:
        return SearchObserver()
    return RichObserver(console) if console.is_terminal else PlainObserver(console)
