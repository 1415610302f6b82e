"""What a crash or concurrency benchmark checks in the store after a search: shared by workers8.py and chaos.py.

`audit(url, study)` reads the study back (read-only) and counts what the issue-14 figures need:
trials per state, duplicate configurations among the complete ones, checkpoints that do not
load, failed trials whose configuration was never re-queued, and the distinct worker processes.
`tiny_search(...)` is the `nas search` command line both benchmarks run on the tests' tiny space.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.conftest import TINY_CNN  # noqa: E402  (trials well under a second on digits)


def tiny_search(folder: Path, trials: int, workers: int = 1) -> list[str]:
    """`nas search` on the tiny space in `folder` (store: folder/studies/nas.db), one thread per worker."""
    (folder / "tiny.yaml").write_text(TINY_CNN)
    args = [sys.executable, "-m", "nas", "search", "--space", "tiny.yaml", "--trials", str(trials),
            "--pruner", "none", "--sampler", "random", "--threads", "1", "--no-refit", "--timeout", "none", "-q"]
    return args + (["--workers", str(workers)] if workers > 1 else [])


def child_env() -> dict[str, str]:
    """The environment of a benchmark's `nas` processes: this tree's code, one thread."""
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def store_url(folder: Path) -> str:
    return f"sqlite:///{folder}/studies/nas.db"


@dataclass
class Audit:
    """The store's state after a search, as the benchmarks report it."""

    states: Counter = field(default_factory=Counter)
    complete_numbers: set[int] = field(default_factory=set)
    duplicates: int = 0  # complete trials whose parameters repeat an earlier complete trial's
    reused: int = 0  # of those, how many reused the earlier result instead of training (nas.search.dedup)
    unloadable: int = 0  # complete trials whose checkpoint does not load
    no_arch: int = 0  # complete trials without a stored architecture or value
    not_requeued: int = 0  # failed trials with no retry below the retry limit (their configuration would be lost)
    retry_limit: int = 0  # failed trials not re-queued because their configuration failed MAX_RETRIES + 1 times
    workers: int = 0  # distinct worker processes that ran a trial
    fail_reasons: Counter = field(default_factory=Counter)

    @property
    def complete(self) -> int:
        return self.states["COMPLETE"]

    def summary(self) -> str:
        states = ", ".join(f"{k.lower()} {v}" for k, v in sorted(self.states.items()))
        return (f"{states}; duplicate configurations {self.duplicates} (reused, not retrained: {self.reused}); "
                f"unloadable checkpoints {self.unloadable}; complete without arch/value {self.no_arch}; "
                f"failed and not re-queued {self.not_requeued} (+ {self.retry_limit} at the retry limit, by design); "
                f"distinct workers {self.workers}")


def audit(url: str, study_name: str = "image-digits", checkpoints: bool = True) -> Audit:
    """Read the study at `url` back and count what the crash benchmarks report."""
    import optuna

    from nas.store import artifact_store, attrs, open_storage
    from nas.store.checkpoints import load_checkpoint
    from nas.store.storage import MAX_RETRIES

    study = optuna.load_study(study_name=study_name, storage=open_storage(url, create=False))
    trials = study.get_trials(deepcopy=False)
    out = Audit(states=Counter(t.state.name for t in trials))
    complete = [t for t in trials if t.state.name == "COMPLETE"]
    out.complete_numbers = {t.number for t in complete}
    seen: set[tuple] = set()
    for t in complete:
        key = tuple(sorted(t.params.items()))
        if key in seen:
            out.duplicates += 1
            out.reused += attrs.DUPLICATE_OF in t.user_attrs
        seen.add(key)
        out.no_arch += attrs.ARCH not in t.user_attrs or t.values is None
    retried = {t.user_attrs.get(attrs.RETRY_OF) for t in trials}
    failed = [t for t in trials if t.state.name == "FAIL"]
    dropped = [t for t in failed if t.number not in retried]
    out.retry_limit = sum(_attempts(t, trials) > MAX_RETRIES for t in dropped)
    out.not_requeued = len(dropped) - out.retry_limit
    out.fail_reasons = Counter(_reason_kind(t.user_attrs.get(attrs.FAIL_REASON)) for t in failed)
    out.workers = len({t.user_attrs.get(attrs.WORKER) for t in trials} - {None})
    if checkpoints:
        store = artifact_store(url)
        for t in complete:
            try:
                load_checkpoint(t, store)
            except Exception:  # noqa: BLE001 - counting unloadable checkpoints, whatever the cause
                out.unloadable += 1
    return out


def _attempts(trial: Any, trials: list[Any]) -> int:
    """How often this trial's configuration has run, counting it and the trials it retries."""
    from nas.store import attrs

    by_number, n = {t.number: t for t in trials}, 1
    while (parent := trial.user_attrs.get(attrs.RETRY_OF)) is not None and parent in by_number:
        trial, n = by_number[parent], n + 1
    return n


def _reason_kind(reason: str | None) -> str:
    """A failure reason without the pid and trial numbers in it, so equal causes group together."""
    if reason is None:
        return "(no reason: killed inside Optuna's bookkeeping, or by its heartbeat check)"
    return reason.split("(")[0].strip()[:70]


def count_lock_errors(text: str) -> int:
    """Lines of a process's output that report a locked database (none may escape to the user)."""
    return sum("locked" in line.lower() for line in text.splitlines())
