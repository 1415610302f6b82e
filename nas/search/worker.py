"""One process's share of a search: run trials on the study until the target is reached.

Used directly by a single-process search and by each worker process (nas.search.parallel).
"""
from __future__ import annotations

import gc
import signal
from typing import Any

import torch

from nas.search.budget import budget_text, trials_deadline
from nas.search.config import MAX_CONSECUTIVE_FAILURES, MAX_CONSECUTIVE_REPEATS
from nas.search.events import SearchObserver, SearchResult
from nas.search.loop import retry_interrupted, run_trials, signals_interrupt
from nas.search.objective import Objective
from nas.search.prepared import PreparedSearch
from nas.store import artifact_store, attrs, count_trials, ranked_trials, trial_row


def run_here(prepared: PreparedSearch, study: Any, observer: SearchObserver, result: SearchResult) -> None:
    """Run trials in this process until the study has `trials` finished ones, time is up, a
    signal arrives or too many trials fail in a row; `result` records why it stopped."""
    cfg = prepared.config
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    data = prepared.data.to(prepared.device)
    objective = Objective(prepared.space, data, prepared.device, cfg.seed,
                          artifact_store(cfg.storage, cfg.artifacts), observer, prepared.goals, prepared.splits(data))
    failures, repeats = [0], [0]

    def on_trial(study: Any, trial: Any) -> None:
        result.ran += 1
        failures[0] = failures[0] + 1 if trial.state.name == "FAIL" else 0
        row = trial_row(trial)
        repeats[0] = repeats[0] + 1 if row["duplicate_of"] is not None else 0
        observer.trial_finished(row)
        if failures[0] >= MAX_CONSECUTIVE_FAILURES:
            result.stopped_reason = f"{failures[0]} trials in a row failed (last: {trial.user_attrs.get(attrs.FAIL_REASON)})"
        if repeats[0] >= MAX_CONSECUTIVE_REPEATS:
            result.stopped_reason = (f"the sampler proposed {repeats[0]} finished configurations in a row: the space looks "
                                     f"exhausted ({count_trials(study).counted} configurations trained)")
        flag.deadline = trials_deadline(prepared, study)  # early enough to leave the final model its time

    try:
        with signals_interrupt() as flag:
            flag.deadline = trials_deadline(prepared, study)  # a resumed rank 1 may still need its final model
            flag.answered = lambda: bool(ranked_trials(study))  # asked only once the deadline passed
            objective.stop_check, objective.seconds_left = flag.check, flag.seconds_left
            run_trials(study, objective, cfg.trials, [on_trial], lambda: result.stopped_reason or flag or flag.time_up())
        if flag:  # the signal arrived between trials (or its exception was swallowed somewhere)
            result.interrupted, result.signal = True, flag.signum
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        if signum is None:  # the time budget ran out inside a trial: a normal end, not an interruption
            result.stopped_reason = f"{budget_text(cfg.timeout)}: the running trial was stopped and its configuration re-queued"
        else:
            result.interrupted, result.signal = True, signum
        retry_interrupted(study, objective.current)
    finally:
        gc.unfreeze()
