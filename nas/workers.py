"""Crash-proof trial loop and worker processes (issue 5).

Why this exists: a killed search must leave nothing stuck, lose nothing and run nothing twice,
and several processes (on one machine or many) must share one study without overshooting
`--trials`. Optuna does the heavy lifting (RDB storage, heartbeats, the retry callback); this
module adds what it lacks for a command-line tool:

- a *lease* on each running trial (host, pid and process start time): a restarted search fails
  the RUNNING trials of dead processes on this host at once instead of waiting for the heartbeat
  grace period, and re-enqueues their configuration (Optuna's retry callback);
- a *gate* (a file lock beside an SQLite store, an advisory lock on PostgreSQL) around
  "count the finished trials, then ask for a new one", so N workers end with exactly the target;
- SIGINT/SIGTERM turned into a clean stop (the running trial is marked failed and re-enqueued);
- `spawn_workers`: N processes on one study, CPU threads split between them, one GPU each.
"""
from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

HEARTBEAT_SECONDS = 5  # Optuna fails a trial whose heartbeat is older than 3x this (store.open_storage)
POLL_SECONDS = 0.5  # how often a worker with nothing to start looks again
MAX_RETRIES = 3  # a configuration whose worker died is retried at most this often
UNLEASED_SECONDS = 120  # a RUNNING trial without a lease this old has no live worker
SIGNAL_EXIT = {signal.SIGINT: 130, signal.SIGTERM: 143}
_VOLATILE_ATTRS = ("fail_reason", "worker", "checkpoint", "curve", "best_epoch", "test", "train_seconds")


class Interrupted(KeyboardInterrupt):
    """SIGINT or SIGTERM arrived; Optuna treats it like Ctrl-C (the trial is marked failed)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def retry_callback() -> Any:
    """Optuna's heartbeat retry callback, minus the dead run's results and lease in the copy."""
    from optuna.storages import RetryHeartbeatStaleTrialCallback

    class _Retry(RetryHeartbeatStaleTrialCallback):
        def __call__(self, study: Any, trial: Any) -> None:
            clean = {k: v for k, v in trial.user_attrs.items() if k not in _VOLATILE_ATTRS}
            trial = replace_attrs(trial, {**clean, "retry_of": trial.number})
            super().__call__(study, trial)

    with _no_experimental_warning():
        return _Retry(max_retry=MAX_RETRIES)


def replace_attrs(trial: Any, user_attrs: dict[str, Any]) -> Any:
    import copy

    trial = copy.deepcopy(trial)
    trial.user_attrs = user_attrs
    return trial


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


def _unleased(trial: Any) -> str | None:
    """A lease naming no live process for a RUNNING trial that never took one (a live trial takes
    it within milliseconds): left over from an older nas or another tool, it would block forever."""
    import datetime

    started = trial.datetime_start
    if started is None or (datetime.datetime.now() - started).total_seconds() < UNLEASED_SECONDS:
        return None
    return "no lease (no live worker)"


def fail_dead_trials(study: Any) -> list[int]:
    """Fail (and re-enqueue) RUNNING trials whose process died: same host at once, others by heartbeat."""
    import optuna
    from optuna.trial import TrialState

    storage, failed = study._storage, []
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        lease = t.user_attrs.get("worker")
        if lease is None:
            lease = _unleased(t)
        elif not _is_dead(lease) or lease == worker_id():
            continue
        if lease is None:
            continue
        try:
            storage.set_trial_user_attr(t._trial_id, "fail_reason", f"worker process died ({lease}); configuration re-queued")
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
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    retried = {t.user_attrs.get("retry_of") for t in trials}
    for t in trials:
        reason = t.user_attrs.get("fail_reason")
        if t.state == TrialState.FAIL and t.number not in retried and (reason is None or reason.endswith("re-queued")):
            retry_callback()(study, t)


@contextmanager
def _no_experimental_warning() -> Iterator[None]:
    import warnings

    from optuna.exceptions import ExperimentalWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ExperimentalWarning)
        yield


# --- the gate: count-then-ask as one step across processes ----------------------------------

class Gate:
    """Serialises "count finished trials, then ask" between workers; released when a trial starts."""

    def __init__(self, storage: Any, study_id: int) -> None:
        from nas.store import _sqlite_path

        storage = getattr(storage, "_backend", storage)  # Optuna wraps RDBStorage in a cache
        self._held, self._fd, self._conn = False, None, None
        self._path = _sqlite_path(storage.url)
        self._storage, self._key = storage, 0x6E6173_0000 + study_id
        self._pg = storage.engine.dialect.name == "postgresql"

    def acquire(self) -> None:
        if self._path is not None:
            import fcntl

            self._fd = os.open(f"{self._path}.lock", os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        elif self._pg:
            from sqlalchemy import text

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
            from sqlalchemy import text

            self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self._key})
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Gate:
        self.acquire()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release()


@dataclass
class Counts:
    complete: int = 0
    pruned: int = 0
    fail: int = 0
    running: int = 0
    waiting: int = 0

    @property
    def finished(self) -> int:
        """What counts toward --trials: completed and pruned trials (failed ones are replaced)."""
        return self.complete + self.pruned


def count_trials(study: Any) -> Counts:
    states = [t.state.name.lower() for t in study.get_trials(deepcopy=False)]
    return Counts(**{k: states.count(k) for k in Counts.__dataclass_fields__})


# --- the loop one worker runs -----------------------------------------------------------------

def start_trial(trial: Any, gate: Gate) -> None:
    """First thing in each trial: let the next worker count, take the lease, note the thread count."""
    import torch

    gate.release()
    trial.set_user_attr("worker", worker_id())
    trial.set_user_attr("threads", torch.get_num_threads())


def run_trials(study: Any, objective: Any, target: int, timeout: float | None, callbacks: list[Any],
               stopped: Any) -> None:
    """Run trials until `target` are finished in the study (by any worker), time is up or `stopped()`.

    A worker with nothing left to start waits while others still run trials: if one of them dies,
    its configuration is re-queued and run here, so the study still ends with exactly `target`.
    """
    from nas.search import TrialFailed

    gate = Gate(study._storage, study._study_id)
    objective.before_trial = lambda trial: start_trial(trial, gate)
    started = time.monotonic()
    while not stopped():
        if timeout is not None and time.monotonic() - started >= timeout:
            return
        with gate:
            fail_dead_trials(study)
            counts = count_trials(study)
            if counts.finished >= target:
                return
            busy = counts.finished + counts.running >= target
            if not busy:
                study.optimize(objective, n_trials=1, catch=(TrialFailed,), callbacks=callbacks)
        if busy:
            time.sleep(POLL_SECONDS)


def retry_interrupted(study: Any, number: int | None) -> None:
    """After Ctrl-C/SIGTERM: re-queue the configuration of the trial that was cut short."""
    from optuna.trial import TrialState

    if number is None:
        return
    for t in study.get_trials(deepcopy=False, states=(TrialState.FAIL, TrialState.RUNNING)):
        if t.number == number and t.user_attrs.get("worker") == worker_id():
            if t.state == TrialState.RUNNING:  # stopped between the objective and Optuna's tell
                study._storage.set_trial_state_values(t._trial_id, state=TrialState.FAIL)
            retry_callback()(study, study._storage.get_trial(t._trial_id))


@dataclass
class StopFlag:
    """The signal that asked to stop, if any (kept even when its exception got swallowed)."""

    signum: int | None = None

    def __bool__(self) -> bool:
        return self.signum is not None


@contextmanager
def signals_interrupt() -> Iterator[StopFlag]:
    """Within: SIGINT and SIGTERM raise Interrupted in the main thread.

    A raise can land where Python swallows it (a weakref callback during garbage collection prints
    'Exception ignored' and goes on): then the signal is sent again, so it lands somewhere that
    stops the search, and nothing is printed. The flag keeps the signal for the summary.
    """
    import sys

    flag = StopFlag()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum: int, _frame: Any) -> None:
        flag.signum = flag.signum or signum
        raise Interrupted(signum)

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


# Where a scheduler numbers the processes it launches: each worker's sampler gets its own seed
# (workers that share a seed would propose the same configurations).
WORKER_INDEX_VARS = ("NAS_WORKER_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "SLURM_PROCID")


def env_worker_index() -> int:
    """This process's worker index from the environment (Slurm array, Kubernetes indexed Job), else 0."""
    for var in WORKER_INDEX_VARS:
        value = os.environ.get(var, "")
        if value.isdigit():
            return int(value)
    return 0


# --- several worker processes on one study ------------------------------------------------------

def worker_threads(n_workers: int) -> int:
    """CPU threads per worker: the cores split evenly, at least one each."""
    return max(1, (os.cpu_count() or 1) // n_workers)


def worker_device(device: str, index: int) -> str:
    """One GPU per worker (round robin) when several are visible and the device is auto or cuda."""
    import torch

    n = torch.cuda.device_count() if device in ("auto", "cuda") else 0
    return f"cuda:{index % n}" if n > 1 else device


def _worker_main(cfg: Any, index: int, n_workers: int, quiet: bool) -> None:
    """Entry point of one worker process: a normal search on the shared study, fewer threads."""
    import sys

    import torch
    from rich.console import Console

    from nas.commands._common import quiet_optuna
    from nas.progress import PlainObserver
    from nas.search import SearchObserver, run_search

    torch.set_num_threads(cfg.threads or worker_threads(n_workers))
    quiet_optuna()
    cfg = replace(cfg, workers=1, worker_index=index, threads=None, device=worker_device(cfg.device, index))
    observer = SearchObserver() if quiet else PlainObserver(Console(soft_wrap=True))
    result = run_search(cfg, observer)
    sys.exit(SIGNAL_EXIT.get(result.signal, 0) if result.signal else 0)


def spawn_workers(cfg: Any, quiet: bool = False) -> list[int]:
    """Start cfg.workers processes on the (already created) study and wait; returns their exit codes.

    SIGINT/SIGTERM to this process are passed on, so every worker stops cleanly.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker_main, args=(cfg, i, cfg.workers, quiet), name=f"nas-worker-{i}")
             for i in range(cfg.workers)]
    for p in procs:
        p.start()

    def forward(signum: int, _frame: Any) -> None:
        for p in procs:
            if p.is_alive() and p.pid:
                os.kill(p.pid, signum)

    old = {s: signal.signal(s, forward) for s in SIGNAL_EXIT} if threading.current_thread() is threading.main_thread() else {}
    try:
        for p in procs:
            p.join()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    return [p.exitcode if p.exitcode is not None else -1 for p in procs]
