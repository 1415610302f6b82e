"""The store: storage URLs (masked in all output), studies, typed records, leaderboard rows.

Checkpoints (safetensors, hence torch) live in `nas.store.checkpoints`, imported on their own so
that the read commands never import torch.
"""
from __future__ import annotations

from nas.store import attrs
from nas.store.leaderboard import finite, leaderboard, ranked_trials, study_summaries, trial_row, trial_summary
from nas.store.records import (RECORD_VERSION, StudyRecord, require_record, study_record, study_refits, trial_arch,
                               trial_refit)
from nas.store.storage import (Counts, artifact_store, count_trials, find_trial, load_study, open_storage,
                               quiet_optuna, retry_callback, study_names)
from nas.store.urls import artifact_dir, mask_url, sqlite_path, storage_url

__all__ = ["RECORD_VERSION", "Counts", "StudyRecord", "artifact_dir", "artifact_store", "attrs", "count_trials",
           "find_trial", "finite", "leaderboard", "load_study", "mask_url", "open_storage", "quiet_optuna",
           "ranked_trials", "require_record", "retry_callback", "sqlite_path", "storage_url", "study_names",
           "study_record", "study_refits", "study_summaries", "trial_arch", "trial_refit", "trial_row", "trial_summary"]
