"""Datasets -> TaskData: built-ins (shipped by scikit-learn) and, later, the user's files."""
from __future__ import annotations

import numpy as np
import torch

from nas.data._split import split_indices
from nas.data._task import KINDS, Split, TaskData, apply_standardize, fit_standardize
from nas.data.builtin import BUILTINS, DEFAULT_DATASET, Raw
from nas.errors import DataError, UsageError, nearest

TASKS = ("image", "sequence", "tabular")

__all__ = ["BUILTINS", "DEFAULT_DATASET", "KINDS", "TASKS", "Raw", "Split", "TaskData",
           "apply_standardize", "fit_standardize", "load_data", "prepare"]


def _targets(y: np.ndarray, kind: str) -> torch.Tensor:
    return torch.as_tensor(y, dtype=torch.long if kind == "classification" else torch.float32)


def prepare(raw: Raw, name: str, task: str, seed: int) -> TaskData:
    """Split raw arrays, fit preprocessing on the training split only, and build tensors."""
    if len(raw.X) != len(raw.y):
        raise DataError(f"{raw.source}: X has {len(raw.X)} rows but y has {len(raw.y)}")
    classification = raw.kind == "classification"
    tr, va, te = split_indices(raw.y, classification, seed, raw.source)
    prep = fit_standardize(raw.X[tr].astype(np.float32) * raw.scale, task)
    prep = {"scale": raw.scale, **prep}
    y = raw.y.astype(np.int64 if classification else np.float32)
    if not classification:
        mean, std = float(y[tr].mean()), float(y[tr].std() or 1.0)
        prep.update(target_mean=mean, target_std=std)
        y = (y - mean) / std
    X = apply_standardize(raw.X, prep, task)
    split = lambda i: Split(torch.from_numpy(np.ascontiguousarray(X[i])), _targets(y[i], raw.kind))  # noqa: E731
    out_dim = len(raw.class_names) if classification else 1
    return TaskData(name=name, task=task, kind=raw.kind, input_shape=tuple(X.shape[1:]), out_dim=out_dim,
                    train=split(tr), val=split(va), test=split(te), class_names=raw.class_names,
                    preprocessing=prep, source=raw.source)


def load_data(task: str, dataset: str | None = None, seed: int = 0) -> TaskData:
    """Load a built-in dataset for `task` (its default when `dataset` is None)."""
    if task not in TASKS:
        raise UsageError(f"--task: unknown task '{task}'{nearest(task, TASKS)}")
    name = dataset or DEFAULT_DATASET[task]
    if name not in BUILTINS:
        raise UsageError(f"--dataset: unknown dataset '{name}'{nearest(name, BUILTINS)}")
    entry = BUILTINS[name]
    if entry.task != task:
        raise UsageError(f"--dataset: '{name}' is a {entry.task} dataset, not {task} (use --task {entry.task})")
    return prepare(entry.load(), name, task, seed)
