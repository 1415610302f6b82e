"""Opening the store: Optuna's RDB storage over SQLAlchemy, studies by name, trial counts.

Studies live in Optuna's RDB storage (default `sqlite:///studies/nas.db`). Every failure to open
one becomes a StoreError naming the masked URL. Nothing here imports torch: the read commands
(`nas leaderboard`, `nas studies`) stay fast.
"""
from __future__ import annotations

import copy
import math
import os
import sqlite3
import time
import warnings
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.storages import RetryHeartbeatStaleTrialCallback
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from nas.errors import StoreError, nearest
from nas.store import attrs
from nas.store.artifacts import AtomicArtifactStore
from nas.store.rdb import RDBStorage
from nas.store.urls import artifact_dir, mask_url, sqlite_path, storage_url

OPTUNA_TABLES = {"studies", "trials", "version_info"}
MAX_RETRIES = 3  # a configuration whose worker died is retried at most this often
HEARTBEAT_SECONDS = 5  # Optuna fails a trial whose heartbeat is older than 3x this


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO; nas prints its own progress."""
    optuna.logging.set_verbosity(optuna.logging.ERROR)


SQLITE_HEADER = b"SQLite format 3\x00"


def _table_names(path: Path) -> set[str]:
    """The tables of an SQLite file, read without writing to it. A read-only connection can
    report a valid WAL-mode file as "not a database" when this process already had the file
    open in another mode (seen after a lock was held by another process); a file with SQLite's
    header is then read once more without taking locks."""
    query = "SELECT name FROM sqlite_master WHERE type='table'"
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            return {r[0] for r in con.execute(query)}
    except sqlite3.DatabaseError:
        with path.open("rb") as f:
            if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                raise
        with closing(sqlite3.connect(f"file:{path}?mode=ro&nolock=1", uri=True)) as con:
            return {r[0] for r in con.execute(query)}


def _check_sqlite_file(path: Path, create: bool) -> None:
    """Refuse, before Optuna touches it, a file that is not an Optuna store (it would add tables)."""
    if not path.exists() or path.stat().st_size == 0:
        if not create:
            raise StoreError(f"{path}: no store here yet (run `nas search` first, or pass --storage)")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"{path.parent}: cannot create the studies folder ({exc.strerror})") from None
        if not os.access(path.parent, os.W_OK):
            raise StoreError(f"{path.parent}: folder is not writable")
        return
    if create and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise StoreError(f"{path.parent}: the studies folder is read-only (a search must write to {path.name})")
    try:
        tables = _table_names(path)
    except sqlite3.OperationalError as exc:  # issue 5: e.g. no room for SQLite's -shm file
        raise StoreError(f"{path}: cannot open the store ({exc}; is the disk full or the folder read-only?)") from None
    except sqlite3.DatabaseError:
        raise StoreError(f"{path}: not an SQLite database (corrupt, or some other kind of file)") from None
    if not OPTUNA_TABLES <= tables:
        raise StoreError(f"{path}: an SQLite database, but not a nas/Optuna store (no studies table)")


# issue 5: SQLite tuned for several worker processes (measured in benchmarks/sqlite_storage.py):
# WAL lets readers run during a write, a long busy timeout makes writers queue instead of failing
# with "database is locked", and synchronous=NORMAL is crash-safe in WAL mode (a kill loses nothing).
SQLITE_BUSY_SECONDS = 120
ENV_SQLITE_BUSY = "NAS_SQLITE_BUSY_SECONDS"  # issue 14: tests (and impatient users) shorten the wait
SQLITE_PRAGMAS = ("PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")


def sqlite_busy_seconds() -> float:
    """How long a writer waits for another process's lock: $NAS_SQLITE_BUSY_SECONDS, else 120 s."""
    raw = os.environ.get(ENV_SQLITE_BUSY)
    if raw is None:
        return SQLITE_BUSY_SECONDS
    try:
        seconds = float(raw)
    except ValueError:
        seconds = math.nan
    if not (0 < seconds <= 86_400):
        raise StoreError(f"${ENV_SQLITE_BUSY}: expected seconds between 0 and 86400, got {raw!r}")
    return seconds


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    for pragma in (*SQLITE_PRAGMAS, f"PRAGMA busy_timeout={int(sqlite_busy_seconds() * 1000)}"):
        dbapi_connection.execute(pragma)


def _use_sqlite_pragmas(storage: Any) -> None:
    """Apply SQLITE_PRAGMAS to every later connection (the pool is emptied so none is missed)."""
    if not event.contains(storage.engine, "connect", _sqlite_pragmas):
        event.listen(storage.engine, "connect", _sqlite_pragmas)
    storage.engine.dispose()


SCHEMA_LOCK_KEY = 0x6E6173  # "nas": the PostgreSQL advisory lock that orders schema creation


@contextmanager
def _schema_lock(url: str, engine_kwargs: dict[str, Any]) -> Iterator[None]:
    """On PostgreSQL, hold an advisory lock while Optuna creates (or checks) its tables.

    Why: workers started together on a fresh database each run Optuna's CREATE TABLEs; the
    loser of that race fails with 'relation "studies" already exists' (or a unique violation
    on pg_type), and retrying can collide again on the next table. With the lock they take
    turns: the first creates the schema, the others find it. Other servers rely on the retry.
    """
    if make_url(url).get_backend_name() != "postgresql":
        yield
        return
    engine = create_engine(url, **engine_kwargs)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK_KEY})
    finally:
        engine.dispose()


def _lost_schema_race(exc: SQLAlchemyError) -> bool:
    """A CREATE TABLE that another process won: the table now exists, so opening again works."""
    return isinstance(exc, IntegrityError) or "already exists" in str(getattr(exc, "orig", None) or exc)


def _rdb_storage(url: str, kwargs: dict[str, Any]) -> Any:
    """RDBStorage; on a fresh server, workers starting together race to create the schema."""
    for attempt in range(5):
        try:
            with warnings.catch_warnings(), _schema_lock(url, kwargs["engine_kwargs"]):
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)  # heartbeats
                return RDBStorage(url, **kwargs)  # issue 14: heartbeats survive a locked database
        except SQLAlchemyError as exc:
            if attempt == 4 or not _lost_schema_race(exc):
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def open_storage(url: str | None = None, create: bool = True, heartbeat: int | None = None) -> Any:
    """Open Optuna's RDB storage; every failure becomes a StoreError naming the masked URL."""
    url = storage_url(url)
    masked = mask_url(url)
    try:
        path = sqlite_path(url)
    except (ArgumentError, ValueError):
        raise StoreError(f"--storage: cannot parse storage URL {masked!r} (expected e.g. sqlite:///studies/nas.db)") from None
    engine_kwargs: dict[str, Any] = {}
    if path is not None:
        _check_sqlite_file(path, create)
        engine_kwargs = {"connect_args": {"timeout": sqlite_busy_seconds()}}
    kwargs: dict[str, Any] = {"engine_kwargs": engine_kwargs}
    if heartbeat:  # issue 5: a dead worker's trial is failed after the grace period and retried
        kwargs.update(heartbeat_interval=heartbeat, grace_period=heartbeat * 3,
                      heartbeat_stale_trial_callback=retry_callback())
    try:
        storage = _rdb_storage(url, kwargs)
        if path is not None:
            _use_sqlite_pragmas(storage)
        return storage
    except ImportError as exc:
        raise StoreError(f"{masked}: database driver not installed ({exc.name or exc})") from None
    except (SQLAlchemyError, ValueError, RuntimeError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise StoreError(f"{masked}: cannot open storage ({reason.replace(url, masked)})") from None


def artifact_store(url: str | None = None, override: str | None = None) -> Any:
    base = artifact_dir(url, override)
    base.mkdir(parents=True, exist_ok=True)
    return AtomicArtifactStore(base_path=str(base))  # issue 14: a checkpoint is whole or absent


def study_names(storage: Any) -> list[str]:
    return [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]


def load_study(name: str | None, storage: Any) -> Any:
    """Load a study by name; with no name, the store's only study (or the error lists them)."""
    names = study_names(storage)
    if not names:
        raise StoreError("the store has no studies yet (run `nas search` first)")
    if name is None:
        if len(names) > 1:
            raise StoreError(f"--study: the store has several studies, name one: {', '.join(names)}")
        name = names[0]
    if name not in names:
        raise StoreError(f"--study: no study named '{name}'{nearest(name, names)}")
    return optuna.load_study(study_name=name, storage=storage)


def find_trial(study: Any, number: int) -> Any:
    for t in study.get_trials(deepcopy=False):
        if t.number == number:
            return t
    raise StoreError(f"--trial: study '{study.study_name}' has no trial {number} (it has {len(study.trials)})")


@dataclass
class Counts:
    """Trials by state; the one place that counts them."""

    complete: int = 0
    pruned: int = 0
    fail: int = 0
    running: int = 0
    waiting: int = 0
    repeats: int = 0  # complete or pruned trials that repeated a finished configuration (nas.search.dedup)
    slow: int = 0  # pruned trials stopped for the time budget after two epochs (nas.search.objective)
    requeued: int = 0  # failed trials stopped unfinished whose configuration was queued again (nas.search.loop)

    @property
    def finished(self) -> int:
        """Completed and pruned trials, repeats included (failed ones are replaced)."""
        return self.complete + self.pruned

    @property
    def counted(self) -> int:
        """What counts toward --trials: the finished trials that trained a configuration. A repeat
        reused an earlier result for free, and a trial stopped as too slow for the time left has no
        result: neither uses up the trials a resume with more time would run."""
        return self.finished - self.repeats - self.slow


_STATES = ("complete", "pruned", "fail", "running", "waiting")


def count_trials(study_or_trials: Any) -> Counts:
    """Counts of a study's trials (or of a list of trials) by state, and the repeats among them."""
    trials = study_or_trials if isinstance(study_or_trials, list) else study_or_trials.get_trials(deepcopy=False)
    states = [t.state.name.lower() for t in trials]
    repeats = sum(s in ("complete", "pruned") and attrs.DUPLICATE_OF in t.user_attrs for s, t in zip(states, trials))
    slow = sum(s == "pruned" and attrs.TOO_SLOW in t.user_attrs and attrs.DUPLICATE_OF not in t.user_attrs
               for s, t in zip(states, trials))
    retried = {t.user_attrs.get(attrs.RETRY_OF) for t in trials}
    requeued = sum(s == "fail" and t.number in retried for s, t in zip(states, trials))
    return Counts(**{k: states.count(k) for k in _STATES}, repeats=repeats, slow=slow, requeued=requeued)


def retry_callback() -> Any:
    """Optuna's heartbeat retry callback, minus the dead run's results and lease in the copy."""

    class _Retry(RetryHeartbeatStaleTrialCallback):
        def __call__(self, study: Any, trial: Any) -> None:
            clean = {k: v for k, v in trial.user_attrs.items() if k not in attrs.VOLATILE}
            trial = copy.deepcopy(trial)
            trial.user_attrs = {**clean, attrs.RETRY_OF: trial.number}
            super().__call__(study, trial)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return _Retry(max_retry=MAX_RETRIES)
