"""Optuna's RDB storage, with heartbeats that skip a beat instead of dying with a traceback.

Why: Optuna records a running trial's heartbeat from a background thread. When another process
holds the database's write lock past the busy timeout, that thread's write fails and Python
prints the thread's traceback to stderr (issue 14), next to the one-line error of the main
thread, which hits the same lock and stops the search cleanly. A missed beat is harmless: the
next one follows a heartbeat interval later, and a worker only counts as dead after three.
"""
from __future__ import annotations

import optuna
from optuna.exceptions import StorageInternalError
from sqlalchemy.exc import OperationalError


class RDBStorage(optuna.storages.RDBStorage):
    """`optuna.storages.RDBStorage` whose `record_heartbeat` tolerates a locked database."""

    def record_heartbeat(self, trial_id: int) -> None:
        try:
            super().record_heartbeat(trial_id)
        except (StorageInternalError, OperationalError):
            return  # database locked or busy: this beat is missed, the next one comes
