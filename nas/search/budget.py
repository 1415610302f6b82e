"""The time budget (`--timeout`): what to keep of it for the final model, and how to say it ran out.

Why a module: the trial loop of every worker (nas.search.worker) and the search's end
(nas.search.run) both need the reserve, and the final model's builder (nas.search.refit) sits
above the worker in the engine's layers.
"""
from __future__ import annotations

from typing import Any

from nas.search.prepared import PreparedSearch
from nas.store import attrs, ranked_trials, trial_refit

# The final model's expected training time is taken with this margin (its seed, its epoch count
# and the machine's load differ from the trial's) plus a constant for scoring and saving it.
RESERVE_FACTOR, RESERVE_SECONDS = 1.25, 5.0


def final_model_seconds(prepared: PreparedSearch, study: Any) -> float:
    """The time to keep, within the budget, for the rank-1 trial's final model: what it trains
    again, from the trial's own training time. Why: a budget spent on trials alone would leave
    the best configuration without the model that has seen every row (or its fold ensemble).
    `ensemble` builds and trains the trial's fold models again (the trial's time); `refit` once on
    train + validation, for at most the epochs the trial ran (its time scaled by the rows)."""
    ranked = ranked_trials(study) if prepared.config.refit else []
    if not ranked or trial_refit(study, ranked[0].number) is not None:
        return 0.0
    best = ranked[0]
    seconds = float(best.user_attrs.get(attrs.TRAIN_SECONDS) or 0.0)
    if best.datetime_start and best.datetime_complete:  # the whole trial: building a model can cost more
        # than fitting it (rocket on OSULeaf: 3.3 s fitting its head, 22 s in all, its features over every fold)
        seconds = max(seconds, (best.datetime_complete - best.datetime_start).total_seconds())
    if prepared.folds <= 1:
        train = len(prepared.data.train)
        seconds *= (train + len(prepared.data.val)) / max(1, train)
    return seconds * RESERVE_FACTOR + RESERVE_SECONDS


def trials_deadline(prepared: PreparedSearch, study: Any) -> float | None:
    """When trials must stop (time.time()): the budget's deadline minus the rank-1 trial's final
    model time; None without a budget. Recomputed after every trial, as rank 1 changes."""
    if prepared.deadline is None:
        return None
    return prepared.deadline - final_model_seconds(prepared, study)


def budget_text(seconds: float | None) -> str:
    """'time budget reached (--timeout 9m, ...)': what ended the search and the flag that sets it."""
    whole = int(round(seconds or 0))
    minutes, secs = divmod(whole, 60)
    duration = f"{minutes}m{secs:02d}s" if minutes and secs else f"{minutes}m" if minutes else f"{secs}s"
    return (f"time budget reached (--timeout {duration}, counted from the start, the final model's training "
            f"kept within it; run again to resume)")
