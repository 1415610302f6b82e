"""The store: storage URLs (masked in all output), studies, leaderboard rows and checkpoints.

Studies live in Optuna's RDB storage over SQLAlchemy (default `sqlite:///studies/nas.db`).
Checkpoints are safetensors files in Optuna's file-system artifact store (by default an
`artifacts/` folder beside the SQLite file), and are loaded without unpickling anything.
"""
from __future__ import annotations

import math
import os
import sqlite3
import tempfile
import warnings
from contextlib import closing
from pathlib import Path
from typing import Any

from nas.arch import Arch
from nas.errors import NasError, StoreError, nearest

DEFAULT_STORAGE = "sqlite:///studies/nas.db"
ENV_STORAGE = "NAS_STORAGE"
ENV_ARTIFACTS = "NAS_ARTIFACTS"
DEFAULT_ARTIFACTS = "studies/artifacts"
OPTUNA_TABLES = {"studies", "trials", "version_info"}


def storage_url(url: str | None = None) -> str:
    """The URL to use: explicit, else $NAS_STORAGE, else the default SQLite file."""
    return url or os.environ.get(ENV_STORAGE) or DEFAULT_STORAGE


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, safe to print or log."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable storage URL>"


def _sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


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
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
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
    from sqlalchemy import event

    if not event.contains(storage.engine, "connect", _sqlite_pragmas):
        event.listen(storage.engine, "connect", _sqlite_pragmas)
    storage.engine.dispose()


def _rdb_storage(url: str, kwargs: dict[str, Any]) -> Any:
    """RDBStorage; on a fresh server, workers starting together race to create the schema: retry."""
    import time

    import optuna
    from sqlalchemy.exc import IntegrityError

    for attempt in range(5):
        try:
            with warnings.catch_warnings():  # heartbeats are 'experimental' in Optuna, and stable enough
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                from nas.rdb import RDBStorage  # issue 14: heartbeats survive a locked database

                return RDBStorage(url, **kwargs)
        except IntegrityError:
            if attempt == 4:
                raise
            time.sleep(0.2 * (attempt + 1))
    raise AssertionError("unreachable")


def open_storage(url: str | None = None, create: bool = True, heartbeat: int | None = None) -> Any:
    """Open Optuna's RDB storage; every failure becomes a StoreError naming the masked URL."""
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    url = storage_url(url)
    masked = mask_url(url)
    try:
        path = _sqlite_path(url)
    except (ArgumentError, ValueError):
        raise StoreError(f"--storage: cannot parse storage URL {masked!r} (expected e.g. sqlite:///studies/nas.db)") from None
    engine_kwargs: dict[str, Any] = {}
    if path is not None:
        _check_sqlite_file(path, create)
        engine_kwargs = {"connect_args": {"timeout": sqlite_busy_seconds()}}
    kwargs: dict[str, Any] = {"engine_kwargs": engine_kwargs}
    if heartbeat:  # issue 5: a dead worker's trial is failed after the grace period and retried
        from nas.workers import retry_callback

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


def artifact_dir(url: str | None = None, override: str | None = None) -> Path:
    """Where checkpoints go: --artifacts, $NAS_ARTIFACTS, `artifacts/` beside an SQLite file."""
    chosen = override or os.environ.get(ENV_ARTIFACTS)
    if chosen:
        return Path(chosen)
    path = _sqlite_path(storage_url(url))
    return path.parent / "artifacts" if path is not None else Path(DEFAULT_ARTIFACTS)


def artifact_store(url: str | None = None, override: str | None = None) -> Any:
    from nas.artifacts import AtomicArtifactStore  # issue 14: a checkpoint is whole or absent

    base = artifact_dir(url, override)
    base.mkdir(parents=True, exist_ok=True)
    return AtomicArtifactStore(base_path=str(base))


def study_names(storage: Any) -> list[str]:
    import optuna

    return [s.study_name for s in optuna.get_all_study_summaries(storage, include_best_trial=False)]


def load_study(name: str | None, storage: Any) -> Any:
    """Load a study by name; with no name, the store's only study (or the error lists them)."""
    import optuna

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


def save_checkpoint(trial: Any, state: dict[str, Any], store: Any) -> str:
    """Write a state dict as safetensors into the artifact store; returns the artifact id."""
    from optuna.artifacts import upload_artifact
    from safetensors.torch import save_file

    tensors = {k: v.detach().cpu().contiguous() for k, v in state.items()}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, f"trial-{trial.number}.safetensors")
        save_file(tensors, path)
        return upload_artifact(artifact_store=store, file_path=path, study_or_trial=trial)


def load_checkpoint(trial: Any, store: Any) -> dict[str, Any]:
    """Load a trial's weights (safetensors: no pickles). StoreError when it has none."""
    from optuna.artifacts import download_artifact
    from optuna.artifacts.exceptions import ArtifactNotFound
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    artifact_id = trial.user_attrs.get("checkpoint")
    if not artifact_id:
        raise StoreError(f"trial {trial.number}: has no checkpoint (state {trial.state.name.lower()})")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "weights.safetensors")
        try:
            download_artifact(artifact_store=store, artifact_id=artifact_id, file_path=path)
            return load_file(path)
        except (ArtifactNotFound, OSError) as exc:  # issue 14: the folder was removed, or this file
            raise StoreError(f"trial {trial.number}: checkpoint {artifact_id} is missing from the artifact store "
                             f"({getattr(exc, 'strerror', None) or 'not found'})") from None
        except SafetensorError as exc:
            raise StoreError(f"trial {trial.number}: checkpoint {artifact_id} is unreadable ({exc})") from None


def trial_arch(trial: Any) -> Arch:
    """The stored architecture of a trial (raises StoreError if it has none)."""
    raw = trial.user_attrs.get("arch")
    if raw is None:
        raise StoreError(f"trial {trial.number}: has no stored architecture")
    try:
        return Arch.from_dict(raw)
    except NasError as exc:
        raise StoreError(f"trial {trial.number}: {exc}") from None


def find_trial(study: Any, number: int) -> Any:
    for t in study.get_trials(deepcopy=False):
        if t.number == number:
            return t
    raise StoreError(f"--trial: study '{study.study_name}' has no trial {number} (it has {len(study.trials)})")


def _finite(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def trial_row(trial: Any) -> dict[str, Any]:
    """One leaderboard row of plain JSON values."""
    from nas.models import summarize

    attrs = trial.user_attrs
    try:
        summary = summarize(Arch.from_dict(attrs["arch"])) if "arch" in attrs else ""
    except (NasError, KeyError, TypeError):
        summary = "<unreadable architecture>"
    curve = attrs.get("curve") or []
    # the first value is the validation metric, also in a multi-objective study (nas.objectives)
    value = trial.values[0] if trial.values and not attrs.get("rejected") else None
    return {
        "trial": trial.number,
        "state": "rejected" if attrs.get("rejected") else trial.state.name.lower(),
        "value": _finite(value),
        "values": [_finite(v) for v in trial.values] if trial.values else None,
        "test": _finite(attrs.get("test")),
        "test_metrics": attrs.get("test_metrics"),
        "params": attrs.get("params"),
        "flops": attrs.get("flops"),  # costs: nas.costs
        "latency_ms": _finite(attrs.get("latency_ms")),
        "latency_ms_batch": _finite(attrs.get("latency_ms_batch")),
        "seconds": _finite(attrs.get("train_seconds")),
        "epochs": len(curve),
        "device": attrs.get("device"),
        "summary": summary,
        "reason": attrs.get("fail_reason") or attrs.get("rejected") or trial.system_attrs.get("fail_reason"),
    }


def leaderboard(study: Any, top: int | None = None, include_all: bool = False,
                pareto: bool = False) -> list[dict[str, Any]]:
    """Completed trials best first (by the study's direction), ranked; then the rest with `include_all`.

    `pareto`: only the Pareto-optimal trials (Optuna's `best_trials`, feasible ones only).
    Trials rejected untrained by a cost limit are never ranked.
    """
    from optuna.trial import TrialState

    trials = study.get_trials(deepcopy=False)
    done = [t for t in trials if t.state == TrialState.COMPLETE and t.values and _finite(t.values[0]) is not None
            and not t.user_attrs.get("rejected")]
    if pareto:
        front = {t.number for t in study.best_trials}
        done = [t for t in done if t.number in front]
    maximize = study.directions[0].name == "MAXIMIZE"
    done.sort(key=lambda t: (-t.values[0] if maximize else t.values[0], t.number))
    names = study.user_attrs.get("nas", {}).get("objectives")
    rows = [{"rank": i + 1, **trial_row(t), **({"objectives": dict(zip(names, t.values))} if names else {})}
            for i, t in enumerate(done)]
    if top is not None:
        rows = rows[:top]
    if include_all:
        ranked = {t.number for t in done}
        rows += [{"rank": None, **trial_row(t)} for t in trials if t.number not in ranked]
    return rows


def study_summaries(storage: Any) -> list[dict[str, Any]]:
    """One row per study: name, trial counts by state, best value, metric and creation time."""
    import optuna
    from optuna.trial import TrialState

    rows = []
    for s in optuna.get_all_study_summaries(storage, include_best_trial=False):
        study = optuna.load_study(study_name=s.study_name, storage=storage)
        trials = study.get_trials(deepcopy=False)
        count = lambda st: sum(t.state == st for t in trials)  # noqa: E731
        best = None
        if len(study.directions) == 1 and count(TrialState.COMPLETE):
            try:
                best = _finite(study.best_value)
            except ValueError:  # every complete trial was rejected by a cost limit (infeasible)
                best = None
        info = study.user_attrs.get("nas", {})
        rows.append({
            "study": s.study_name, "task": info.get("task"), "dataset": info.get("dataset"),
            "metric": info.get("metric"), "complete": count(TrialState.COMPLETE),
            "pruned": count(TrialState.PRUNED), "failed": count(TrialState.FAIL),
            "running": count(TrialState.RUNNING), "best": best,
            "created": s.datetime_start.isoformat(timespec="seconds") if s.datetime_start else None,
        })
    return rows
