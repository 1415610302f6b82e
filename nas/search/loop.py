"""The crash-proof trial loop one worker runs.

Why this exists: a killed search must leave nothing stuck, lose nothing and run nothing twice,
and several processes (on one machine or many) must share one study without overshooting
`--trials`. Optuna does the heavy lifting (RDB storage, heartbeats, the retry callback); this
module adds what it lacks for a command-line tool:

- a *lease* on each running trial (host, pid and process start time): a restarted search fails
  the RUNNING trials of dead processes on this host at once instead of waiting for the heartbeat
  grace period, and re-enqueues their configuration (Optuna's retry callback);
- a *gate* (a file lock beside an SQLite store, an advisory lock on PostgreSQL) around
  "count the finished trials, then ask for a new one", so N workers end with exactly the target;
- SIGINT/SIGTERM turned into a clean stop (the running trial is marked failed and re-enqueued).
"""
from __future__ import annotations

import datetime
import fcntl
import os
import signal
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import optuna
import torch
from optuna.exceptions import ExperimentalWarning
from optuna.trial import TrialState
from sqlalchemy import text

from nas.search.events import TrialFailed
from nas.store import attrs, count_trials, retry_callback, sqlite_path

POLL_SECONDS = 0.5  # how often a worker with nothing to start looks again
UNLEASED_SECONDS = 120  # where no gate orders workers: a RUNNING trial without a lease this old has no live worker
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived, or the time budget ran out (signum None) while a trial ran.
    Optuna treats it like Ctrl-C: the trial is marked failed, and nas re-queues its configuration."""

    def __init__(self, signum: int | None) -> None:
        super().__init__(signal.Signals(signum).name if signum else "time budget reached")
        self.signum = signum


# --- leases: which process runs a trial ------------------------------------------------------

def _start_time(pid: int) -> str:
    """The process start time in clock ticks since boot ('' where /proc is absent): tells pid reuse."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return ""


def worker_id() -> str:
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_start_time(pid)}"


def _is_dead(lease: str) -> bool:
    """True when the lease names a process on this host that no longer exists."""
    host, _, rest = lease.partition(":")
    pid_text, _, started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False  # another machine: Optuna's heartbeat decides
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return bool(started) and _start_time(pid) != started


def _unleased(trial: Any, gated: bool) -> str | None:
    """A lease naming no live process for a RUNNING trial that never took one. Under the gate
    (`gated`) that is at once: a worker creates its trial and takes the lease before it lets the
    next worker count (`start_trial`), so a trial seen there without one lost its process in
    between (a kill -9 in that window: 2 of 34 in the fault benchmark), or was left by an older nas
    or another tool. Without a gate (a server other than SQLite or PostgreSQL) a live worker may be
    between the two steps, so only a trial older than UNLEASED_SECONDS is taken for dead; before
    2026-12-06 that wait applied everywhere, and a resumed search sat for up to two minutes."""
    if gated:
        return "no lease taken"
    started = trial.datetime_start
    if started is None or (datetime.datetime.now() - started).total_seconds() < UNLEASED_SECONDS:
        return None
    return "no lease (no live worker)"


def fail_dead_trials(study: Any, gated: bool = False) -> list[int]:
    """Fail (and re-enqueue) RUNNING trials whose process died: same host at once, others by
    heartbeat; one that never took a lease at once when the caller holds the gate (`gated`)."""
    storage, failed = study._storage, []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        lease = t.user_attrs.get(attrs.WORKER)
        if lease is None:
            lease = _unleased(t, gated)
        elif not _is_dead(lease) or lease == worker_id():
            continue
        if lease is None:
            continue
        try:
            storage.set_trial_user_attr(t._trial_id, attrs.FAIL_REASON, f"worker process died ({lease}); configuration re-queued")
            if not storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL):
                continue
        except optuna.exceptions.UpdateFinishedTrialError:
            continue  # another worker got there first
        retry_callback()(study, storage.get_trial(t._trial_id))
        failed.append(t.number)
    with _no_experimental_warning():
        optuna.storages.fail_stale_trials(study)
    requeue_orphans(study)
    return failed


def requeue_orphans(study: Any) -> None:
    """Re-queue failed trials that were to be retried but whose retry never got stored.

    That happens when a process dies between failing a dead trial and enqueuing its copy (in
    Optuna's heartbeat check too): such a trial has no reason (heartbeat) or says 're-queued'.
    """
    trials = study.get_trials(deepcopy=False)
    retried = {t.user_attrs.get(attrs.RETRY_OF) for t in trials}
    for t in trials:
        reason = t.user_attrs.get(attrs.FAIL_REASON)
        if t.state == TrialState.FAIL and t.number not in retried and (reason is None or reason.endswith("re-queued")):
            retry_callback()(study, t)


@contextmanager
def _no_experimental_warning() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        yield


# --- the gate: count-then-ask as one step across processes ----------------------------------

class Gate:
    """Serialises "count finished trials, then ask" between workers; released when a trial starts."""

    def __init__(self, storage: Any, study_id: int) -> None:
        storage = getattr(storage, "_backend", storage)  # Optuna wraps RDBStorage in a cache
        self._held, self._fd, self._conn = False, None, None
        self._path = sqlite_path(storage.url)
        self._storage, self._key = storage, 0x6E6173_0000 + study_id
        self._pg = storage.engine.dialect.name == "postgresql"

    @property
    def orders(self) -> bool:
        """Whether the gate serialises workers (a SQLite file's lock, a PostgreSQL advisory lock);
        on other servers it is a no-op and workers count and ask unordered."""
        return self._path is not None or self._pg

    def acquire(self) -> None:
        if self._path is not None:
            self._fd = os.open(f"{self._path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        elif self._pg:
            self._conn = self._storage.engine.connect()
            self._conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": self._key})
        self._held = True

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        if self._fd is not None:
            os.close(self._fd)  # closing drops the flock
            self._fd = None
        if self._conn is not None:
            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Gate:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


# --- the loop one worker runs -----------------------------------------------------------------

def start_trial(trial: Any, gate: Gate) -> None:
    """First thing in each trial: take the lease, then let the next worker count (in that order,
    so a RUNNING trial without a lease is never a live one to a worker holding the gate), note the
    thread count."""
    trial.set_user_attr(attrs.WORKER, worker_id())
    gate.release()
    trial.set_user_attr(attrs.THREADS, torch.get_num_threads())


def run_trials(study: Any, objective: Any, target: int, callbacks: list[Any], stopped: Callable[[], Any]) -> None:
    """Run trials until `target` are finished in the study (by any worker; repeats of a finished
    configuration not counted: nas.search.dedup) or `stopped()` (a signal, the time budget, too
    many failures or repeats in a row: the caller decides).

    A worker with nothing left to start waits while others still run trials: if one of them dies,
    its configuration is re-queued and run here, so the study still ends with exactly `target`.
    """
    gate = Gate(study._storage, study._study_id)
    objective.before_trial = lambda trial: start_trial(trial, gate)
    while not stopped():
        with gate:
            fail_dead_trials(study, gated=gate.orders)
            counts = count_trials(study)
            if counts.counted >= target:
                return
            busy = counts.counted + counts.running >= target
            if stopped():  # counting can take a while on a busy store: look again before starting
                return
            if not busy:
                study.optimize(objective, n_trials=1, catch=(TrialFailed,), callbacks=callbacks)
        if busy:
            time.sleep(POLL_SECONDS)


def retry_interrupted(study: Any, number: int | None) -> None:
    """After Ctrl-C/SIGTERM: re-queue the configuration of the trial that was cut short."""
    if number is None:
        return
    for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL, TrialState.RUNNING)):
        if t.number == number and t.user_attrs.get(attrs.WORKER) == worker_id():
            if t.state == TrialState.RUNNING:  # stopped between the objective and Optuna's tell
                study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
            retry_callback()(study, study._storage.get_trial(t._trial_id))


@dataclass
class StopFlag:
    """Why the search should stop: a signal that arrived, or a deadline (time.monotonic()) passed.

    The signal handler only records the signal; the running trial raises it at a safe point
    (`check`, called by the objective after each epoch) and the loop checks it between trials.
    Raising from the handler itself could land anywhere, e.g. inside Optuna's bookkeeping, where a
    trial was then left without its reason or RUNNING.
    """

    signum: int | None = None
    deadline: float | None = None  # time.time(): the same clock in every worker process
    answered: Callable[[], bool] | None = None  # whether the study has a completed trial (None: assume so)

    def __bool__(self) -> bool:
        return self.signum is not None

    def time_up(self) -> bool:
        return self.deadline is not None and time.time() >= self.deadline

    def seconds_left(self) -> float | None:
        """Seconds to the deadline once the study has an answer (a completed trial); None without
        a deadline or an answer (the running trial may then be the study's first answer)."""
        if self.deadline is None or not (self.answered is None or self.answered()):
            return None
        return self.deadline - time.time()

    def check(self, ahead: float = 0.0) -> bool:
        """Raise Interrupted when a signal arrived, or the deadline is less than `ahead` seconds
        away (a trial passes its last epoch's duration: the next epoch would end past it) and the
        study has an answer. Without one, True: the running trial is the study's only answer, so it
        ends its training there, as it stands (cut and re-queued it would leave the search with
        nothing, and a resume would cut the same trial again; trained on past the deadline, 60,000
        images' first trial ran on past 10 minutes of a 9-minute budget)."""
        late = self.deadline is not None and time.time() + ahead >= self.deadline
        if self.signum is not None or (late and (self.answered is None or self.answered())):
            raise Interrupted(self.signum)
        return late


@contextmanager
def signals_interrupt() -> Iterator[StopFlag]:
    """Within: SIGINT and SIGTERM are recorded in the flag (the trial stops at its next safe
    point); a second one raises Interrupted at once, for a user who does not want to wait.

    That raise can land where Python swallows it (a weakref callback during garbage collection
    prints 'Exception ignored' and goes on): then the signal is sent again, so it lands somewhere
    that stops the search, and nothing is printed.
    """
    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, _frame: Any) -> None:
        if flag.signum is not None:
            raise Interrupted(signum)
        flag.signum = signum

    def unraisable(info: Any) -> None:
        if isinstance(info.exc_value, Interrupted):  # resend from a thread: not inside this hook
            threading.Timer(0.01, os.kill, (os.getpid(), info.exc_value.signum)).start()
        else:
            old_hook(info)

    old_hook, sys.unraisablehook = sys.unraisablehook, unraisable
    old = {s: signal.signal(s, handler) for s in SIGNAL_EXIT}
    try:
        yield flag
    finally:
        sys.unraisablehook = old_hook
        for s, h in old.items():
            signal.signal(s, h)


