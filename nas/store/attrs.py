"""The names of what nas stores on Optuna studies and trials: the one module that owns them.

Every reader and writer of user attributes uses these constants, so a misspelt name is an
AttributeError at import time instead of a silently missing column. docs/architecture.md
describes each attribute (type, writer, meaning).
"""
from __future__ import annotations

# --- study user attributes -------------------------------------------------------------------
STUDY_RECORD = "nas"  # the versioned StudyRecord (nas.store.records)
BASELINE = "baseline"  # the plain baseline measured on the study's split (nas.baseline)
# The refit of a trial (nas.search.refit): a study attribute per trial, `refit:<number>`, because
# Optuna refuses to change a finished trial's attributes. Its value is a dict of the REFIT_* keys.
REFIT_PREFIX = "refit:"

# --- trial user attributes -------------------------------------------------------------------
ARCH = "arch"  # the sampled architecture, plain JSON (nas.arch.Arch.to_dict)
SUMMARY = "summary"  # its one-line text, so tables need no model code
SEED = "seed"  # the trial's seed (from the study seed and the trial number)
CURVE = "curve"  # validation metric per epoch (with cross-validation: the mean over folds)
BEST_EPOCH = "best_epoch"  # the checkpoint's epoch (with cross-validation: fold 0's, into fold_curves[0])
CHOSEN_WEIGHT_DECAY = "chosen_weight_decay"  # a regression linear fit: its path's weight decay at chosen_epochs (nas.train)
CHOSEN_EPOCHS = "chosen_epochs"  # the epoch count the ranking chose (nas.search.selection); the refit trains for it
VAL_LOSS = "val_loss"  # mean validation loss of the kept model(s): breaks ties in the ranking
FOLDS = "folds"  # cross-validation only: K
FOLD_VALUES = "fold_values"  # each fold's validation metric at the chosen epoch (their mean is the value)
FOLD_STD = "fold_std"  # their standard deviation
FOLD_CURVES = "fold_curves"  # each fold's validation curve
FOLD_LOSSES = "fold_losses"  # each fold's kept model's validation loss
TEST = "test"  # the test metric of the chosen weights
TEST_METRICS = "test_metrics"  # every test metric of the task kind (accuracy + macro-F1, RMSE + MAE + R²)
TRAIN_SECONDS = "train_seconds"
DEVICE = "device"
CHECKPOINT = "checkpoint"  # artifact id of the safetensors weights
VAL_OUTPUTS = "val_outputs"  # artifact id of the kept model(s)' outputs on the validation rows (out of fold with CV)
PARAMS = "params"  # costs (nas.search.costs): parameters, FLOPs, latency
FLOPS = "flops"
LATENCY_MS = "latency_ms"
LATENCY_MS_BATCH = "latency_ms_batch"
LATENCY_BATCH = "latency_batch"
REJECTED = "rejected"  # why a cost limit rejected the candidate untrained
TOO_SLOW = "too_slow"  # why a trial was stopped for the time budget (nas.search.objective.Objective._too_slow)
PRUNED_BY = "pruned_by"  # the trial that dominated a stopped multi-objective candidate
DUPLICATE_OF = "duplicate_of"  # the trial whose result a repeated configuration reused
FAIL_REASON = "fail_reason"
# The reason shown for a failed trial that stores none: only Optuna's heartbeat check fails a trial
# without one (nas records a reason on every other path), when its process died before the trial
# took its lease (the milliseconds after Optuna created it) and so before nas could write any.
STALE_REASON = "worker process died before the trial started (no heartbeat); configuration re-queued"
WORKER = "worker"  # lease: host:pid:start-time of the process running the trial
THREADS = "threads"  # CPU threads the trial ran with (rerun repeats them)
RETRY_OF = "retry_of"  # the failed trial this one repeats

# Keys of a refit record (the value of study attribute REFIT_PREFIX + trial number): the final
# model built after the search (nas.search.refit), of one of two kinds.
REFIT_KIND = "refit_kind"  # "ensemble" (of the K fold models), "pair" (the refit and the search-time model) or "refit"
AVERAGED_KINDS = ("ensemble", "pair")  # final-model kinds that average REFIT_MEMBERS networks of the trial
REFIT_CHECKPOINT = "refit_checkpoint"  # artifact id of its weights (safetensors, on the study)
REFIT_TEST = "refit_test"  # its test metric
REFIT_TEST_METRICS = "refit_test_metrics"
REFIT_EPOCHS = "refit_epochs"  # epochs it trained (refit: the trial's chosen_epochs; ensemble: each member's)
REFIT_MEMBERS = "refit_members"  # ensemble: K; pair: 2
# A blend (nas.search.blend): the final model averages several trials' final models (each of
# REFIT_KIND), [{"trial": number, "weight": w}, ...] with rank 1 first; absent: rank 1 alone.
REFIT_BLEND = "refit_blend"
REFIT_BLEND_CUT = "refit_blend_cut"  # why a blend that selection chose was not built (rank 1 shipped alone)
REFIT_SECONDS = "refit_seconds"
REFIT_DEVICE = "refit_device"
REFIT_ROWS = "refit_rows"  # train + validation rows it trained on

# What a retried configuration must not inherit from the run that died: its results and lease.
VOLATILE = frozenset({FAIL_REASON, WORKER, THREADS, CHECKPOINT, CURVE, BEST_EPOCH, TEST, TEST_METRICS,
                      TRAIN_SECONDS, DEVICE, VAL_OUTPUTS, PRUNED_BY, DUPLICATE_OF, CHOSEN_EPOCHS, CHOSEN_WEIGHT_DECAY, VAL_LOSS, FOLDS,
                      FOLD_VALUES, FOLD_STD, FOLD_CURVES, FOLD_LOSSES})


def refit_key(number: int) -> str:
    """The study attribute holding trial `number`'s refit."""
    return f"{REFIT_PREFIX}{number}"
