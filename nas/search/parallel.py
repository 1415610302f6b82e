"""Several worker processes on one study: CPU threads split between them, one GPU each.

Each worker receives the parent's PreparedSearch (data, space, goals: nothing re-derived), opens
its own store connection and sampler (seeded by its index) and runs `nas.search.worker.run_here`.
SIGINT/SIGTERM to the parent are passed on, so every worker stops cleanly.
"""
from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import torch

from nas.device import resolve_device
from nas.search.events import SearchObserver
from nas.search.loop import SIGNAL_EXIT
from nas.search.prepared import PreparedSearch
from nas.search.worker import run_here
from nas.store import count_trials, quiet_optuna

ObserverFactory = Callable[[], SearchObserver]


def worker_threads(n_workers: int) -> int:
    """CPU threads per worker: the cores split evenly, at least one each."""
    return max(1, (os.cpu_count() or 1) // n_workers)


def worker_device(device: str, index: int) -> str:
    """One GPU per worker (round robin) when several are visible and the device is auto or cuda."""
    n = torch.cuda.device_count() if device in ("auto", "cuda") else 0
    return f"cuda:{index % n}" if n > 1 else device


def _worker_main(prepared: PreparedSearch, index: int, n_workers: int, make_observer: ObserverFactory) -> None:
    """Entry point of one worker process: trials on the shared study, fewer threads."""
    cfg = prepared.config
    torch.set_num_threads(cfg.threads or worker_threads(n_workers))
    quiet_optuna()
    prepared = replace(prepared, device=resolve_device(worker_device(cfg.device, index)),
                       config=replace(cfg, threads=None))
    study = prepared.open_study(index)
    observer, result = make_observer(), prepared.new_result()
    observer.search_started(result.study, result.storage, count_trials(study).counted, cfg.trials,
                            prepared.data, prepared.device)
    run_here(prepared, study, observer, result)
    sys.exit(SIGNAL_EXIT.get(result.signal, 0) if result.signal else 0)


def spawn_workers(prepared: PreparedSearch, make_observer: ObserverFactory = SearchObserver) -> list[int]:
    """Start `config.workers` processes on the (already created) study and wait; their exit codes.

    `make_observer` must be picklable (a class or a module-level function): each worker calls it.
    """
    n = prepared.config.workers
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_worker_main, args=(prepared.for_worker(i), i, n, make_observer), name=f"nas-worker-{i}")
             for i in range(n)]
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
