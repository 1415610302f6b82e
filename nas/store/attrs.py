"""The names of what nas stores on Optuna studies and trials: the one module that owns them.

Every reader and writer of user attributes uses these constants, so a misspelt name is an
AttributeError at import time instead of a silently missing column. docs/architecture.md
describes each attribute (type, writer, meaning).
"""
from __future__ import annotations

# --- study user attributes -------------------------------------------------------------------
STUDY_RECORD = "nas"  # the versioned StudyRecord (nas.store.records)
BASELINE = "baseline"  # the plain baseline measured on the study's split (nas.baseline)

# --- trial user attributes -------------------------------------------------------------------
ARCH = "arch"  # the sampled architecture, plain JSON (nas.arch.Arch.to_dict)
SUMMARY = "summary"  # its one-line text, so tables need no model code
SEED = "seed"  # the trial's seed (from the study seed and the trial number)
CURVE = "curve"  # validation metric per epoch
BEST_EPOCH = "best_epoch"
TEST = "test"  # the test metric of the chosen weights
TEST_METRICS = "test_metrics"  # every test metric of the task kind (accuracy + macro-F1, RMSE + MAE + R²)
TRAIN_SECONDS = "train_seconds"
DEVICE = "device"
CHECKPOINT = "checkpoint"  # artifact id of the safetensors weights
PARAMS = "params"  # costs (nas.search.costs): parameters, FLOPs, latency
FLOPS = "flops"
LATENCY_MS = "latency_ms"
LATENCY_MS_BATCH = "latency_ms_batch"
LATENCY_BATCH = "latency_batch"
REJECTED = "rejected"  # why a cost limit rejected the candidate untrained
PRUNED_BY = "pruned_by"  # the trial that dominated a stopped multi-objective candidate
DUPLICATE_OF = "duplicate_of"  # the trial whose result a repeated configuration reused
FAIL_REASON = "fail_reason"
WORKER = "worker"  # lease: host:pid:start-time of the process running the trial
THREADS = "threads"  # CPU threads the trial ran with (rerun repeats them)
RETRY_OF = "retry_of"  # the failed trial this one repeats

# What a retried configuration must not inherit from the run that died: its results and lease.
VOLATILE = frozenset({FAIL_REASON, WORKER, THREADS, CHECKPOINT, CURVE, BEST_EPOCH, TEST, TEST_METRICS,
                      TRAIN_SECONDS, DEVICE, PRUNED_BY, DUPLICATE_OF})
