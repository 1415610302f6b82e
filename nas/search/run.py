"""`run_search(config, observer)`: the library entry point behind `nas search`.

prepare (validate, create or resume the study) -> run trials here or in worker processes ->
build the rank-1 configuration's final model (nas.search.refit: the ensemble of its fold models,
or its refit on train + validation; not after an interruption, nor with `refit=False`) -> summarise. A store that cannot be written (disk full, read-only) is a StoreError, not a traceback.
"""
from __future__ import annotations

import signal
import time
from typing import Any

from optuna.exceptions import StorageInternalError
from sqlalchemy.exc import OperationalError

from nas.device import free_memory
from nas.errors import StoreError, TrialError
from nas.metrics import better
from nas.search.budget import budget_text, trials_deadline
from nas.search.config import SearchConfig
from nas.search.events import SearchObserver, SearchResult
from nas.search.loop import signals_interrupt
from nas.search.objective import failure_reason
from nas.search.parallel import ObserverFactory, spawn_workers
from nas.search.prepared import PreparedSearch, prepare
from nas.search.refit import refit_best
from nas.search.worker import run_here
from nas.store import attrs, count_trials, leaderboard, mask_url, storage_url


def run_search(cfg: SearchConfig, observer: SearchObserver | None = None,
               worker_observer: ObserverFactory = SearchObserver) -> SearchResult:
    """Create or resume the study and run trials until `cfg.trials` are finished or time is up.

    Finished means complete or pruned (a pruned trial is a real, if short, result); failed trials
    (errors, kills) are replaced. With cfg.workers > 1, worker processes share the study, each
    reporting to an observer made by `worker_observer` (picklable: a class or module function).
    """
    try:
        return _run_search(cfg, observer or SearchObserver(), worker_observer)
    except Exception as exc:
        error = _store_error(exc, cfg.storage)
        if error is exc:
            raise
        raise error from None


def _store_error(exc: Exception, storage: str | None) -> Exception:
    """Optuna can wrap a failed write in its own errors (even an AssertionError while telling):
    find a storage error in the chain and name the store; anything else goes up unchanged."""
    chain: list[BaseException] = [exc]
    while chain[-1].__cause__ or chain[-1].__context__:
        chain.append(chain[-1].__cause__ or chain[-1].__context__)  # type: ignore[arg-type]
    found = next((e for e in chain if isinstance(e, (StorageInternalError, OperationalError))), None)
    if found is None:
        return exc
    cause = getattr(found, "orig", None) or getattr(found.__cause__, "orig", None) or found.__cause__ or found
    url = storage_url(storage)
    reason = str(cause).splitlines()[0].replace(url, mask_url(url))
    return StoreError(f"{mask_url(url)}: cannot write to the store ({reason}); stored trials are unchanged")


def _run_search(cfg: SearchConfig, observer: SearchObserver, worker_observer: ObserverFactory) -> SearchResult:
    begun = time.time()
    prepared = prepare(cfg)
    prepared.deadline = begun + cfg.timeout if cfg.timeout else None  # start-up counts against the budget
    study, result = prepared.study, prepared.new_result()
    observer.search_started(result.study, result.storage, count_trials(study).counted, cfg.trials,
                            prepared.data, prepared.device)
    started, n_before = time.perf_counter(), len(study.get_trials(deepcopy=False))
    if cfg.workers > 1:
        codes = spawn_workers(prepared, worker_observer)
        result.signal = next((c - 128 for c in codes if c in (130, 143)), None)
        result.interrupted = result.signal is not None
        result.ran = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False)[n_before:])
    else:
        run_here(prepared, study, observer, result)
    deadline = trials_deadline(prepared, study)
    if (deadline is not None and time.time() >= deadline and not (result.stopped_reason or result.interrupted)
            and count_trials(study).counted < cfg.trials):  # the budget ended it between trials
        result.stopped_reason = f"{budget_text(cfg.timeout)}: no time left for another trial"
    if cfg.refit and not result.interrupted:
        _refit(prepared, study, observer, result)
    return _finish(study, result, started, observer)


def _refit(prepared: PreparedSearch, study: Any, observer: SearchObserver, result: SearchResult) -> None:
    """Build the rank-1 trial's final model, within the time budget. A signal or the deadline stops
    it at an epoch boundary like a trial (the next run builds it); a diverged or out-of-memory one
    is reported in the summary. Either way nothing the search stored is lost."""
    try:
        with signals_interrupt() as flag:
            flag.deadline = prepared.deadline
            if flag.time_up():
                result.refit_error = "the time budget ran out before it; run again with more time, or `nas retrain`"
                return
            done = refit_best(prepared, study, observer, check=flag.check)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        if signum is None:  # the time budget ran out while it trained: the budget holds
            result.refit_error = "stopped at the end of the time budget; run again with more time, or `nas retrain`"
        else:
            result.interrupted, result.signal = True, signum
        return
    except (TrialError, RuntimeError, MemoryError) as exc:  # diverged, out of memory: the search stays
        result.refit_error = failure_reason(exc)
        return
    finally:
        free_memory(prepared.device)
    result.refit = done[1] if done else None


def _finish(study: Any, result: SearchResult, started: float, observer: SearchObserver) -> SearchResult:
    trials = study.get_trials(deepcopy=False)
    counts = count_trials(trials)
    result.complete, result.pruned, result.failed, result.repeats = counts.complete, counts.pruned, counts.fail, counts.repeats
    result.slow, result.requeued = counts.slow, counts.requeued
    result.rejected = sum(bool(t.user_attrs.get(attrs.REJECTED)) for t in trials)
    result.seconds = time.perf_counter() - started
    rows = leaderboard(study, top=2)
    result.best = rows[0] if rows else None
    if len(rows) == 2 and rows[0]["value"] is not None and rows[1]["value"] is not None:
        result.leader = rows[1] if better(rows[1]["value"], rows[0]["value"], result.direction) else None  # rank 1 was chosen by the one-SE rule (nas.store.leaderboard)
    observer.search_finished(result)
    return result
