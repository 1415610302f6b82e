"""Storage URLs: which store to use, how to print it (password masked), where checkpoints go."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_STORAGE = "sqlite:///studies/nas.db"
ENV_STORAGE = "NAS_STORAGE"
ENV_ARTIFACTS = "NAS_ARTIFACTS"
DEFAULT_ARTIFACTS = "studies/artifacts"


def storage_url(url: str | None = None) -> str:
    """The URL to use: explicit, else $NAS_STORAGE, else the default SQLite file."""
    return url or os.environ.get(ENV_STORAGE) or DEFAULT_STORAGE


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, safe to print or log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable storage URL>"


def sqlite_path(url: str) -> Path | None:
    """The database file of an SQLite URL; None for other databases and in-memory SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def artifact_dir(url: str | None = None, override: str | None = None) -> Path:
    """Where checkpoints go: --artifacts, $NAS_ARTIFACTS, `artifacts/` beside an SQLite file."""
    chosen = override or os.environ.get(ENV_ARTIFACTS)
    if chosen:
        return Path(chosen)
    path = sqlite_path(storage_url(url))
    return path.parent / "artifacts" if path is not None else Path(DEFAULT_ARTIFACTS)
