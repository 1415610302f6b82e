"""Datasets -> TaskData: built-ins (shipped by scikit-learn) and, later, the user's files.

`DataSpec` is the plain-JSON description of where the data comes from (stored with every
study, so retrain and rerun reload exactly the same split); `load_data(spec)` builds TaskData.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import torch

from nas.data._split import split_indices
from nas.data._task import KINDS, Split, TaskData, apply_standardize, fit_standardize
from nas.data.builtin import BUILTINS, DEFAULT_DATASET, Raw
from nas.errors import DataError, UsageError, nearest

TASKS = ("image", "sequence", "tabular")

__all__ = ["DataSpec", "BUILTINS", "DEFAULT_DATASET", "KINDS", "TASKS", "Raw", "Split", "TaskData",
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
    if raw.columns:
        prep["columns"] = list(raw.columns)
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


@dataclass(frozen=True)
class DataSpec:
    """Where a study's data comes from: a built-in `dataset`, or a user file `path` (--data)."""

    task: str = "image"
    dataset: str | None = None
    path: str | None = None
    target: str | None = None
    window: int | None = None
    image_size: int | None = None
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DataSpec:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})


def load_data(spec: DataSpec) -> TaskData:
    """Load the data a spec describes (the task's default built-in when nothing is named)."""
    task = spec.task
    if task not in TASKS:
        raise UsageError(f"--task: unknown task '{task}'{nearest(task, TASKS)}")
    if spec.path is not None:
        raise UsageError("--data: user data files are not supported yet")
    name = spec.dataset or DEFAULT_DATASET[task]
    if name not in BUILTINS:
        raise UsageError(f"--dataset: unknown dataset '{name}'{nearest(name, BUILTINS)}")
    entry = BUILTINS[name]
    if entry.task != task:
        raise UsageError(f"--dataset: '{name}' is a {entry.task} dataset, not {task} (use --task {entry.task})")
    return prepare(entry.load(), name, task, spec.seed)
