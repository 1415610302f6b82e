"""TaskData: the tensors a search trains on, plus everything needed to reproduce the inputs.

Preprocessing is fitted on the training split only and kept as plain JSON (`preprocessing`),
so the store, export and predict can replay it on new raw inputs.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import torch

from nas.data.tasks import TASKS

KINDS = {"classification": ("accuracy", "maximize"), "regression": ("rmse", "minimize")}


def target_scale(preprocessing: dict[str, Any]) -> tuple[float, float]:
    """(mean, std) that turn a standardised regression output back into target units."""
    return float(preprocessing.get("target_mean", 0.0)), float(preprocessing.get("target_std", 1.0))


def to_target_units(values: Any, preprocessing: dict[str, Any]) -> Any:
    """Standardised regression values (array or tensor) -> target units: the one place that does it
    (metrics, the baseline and `nas predict` all call this)."""
    mean, std = target_scale(preprocessing)
    return values * std + mean


@dataclass(frozen=True)
class Split:
    X: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return int(self.X.shape[0])


@dataclass(frozen=True)
class TaskData:
    """A dataset ready for training: three splits of model-ready tensors and their description."""

    name: str
    task: str  # image | sequence | tabular
    kind: str  # classification | regression
    input_shape: tuple[int, ...]
    out_dim: int
    train: Split
    val: Split
    test: Split
    class_names: list[str] = field(default_factory=list)
    preprocessing: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    notes: tuple[str, ...] = ()  # what reading the data left out (rows without a target, id columns)

    @property
    def metric(self) -> str:
        return KINDS[self.kind][0]

    @property
    def direction(self) -> str:
        return KINDS[self.kind][1]

    @property
    def target_scale(self) -> tuple[float, float]:
        """(mean, std) that turn a standardised regression output back into target units."""
        return target_scale(self.preprocessing)

    def to(self, device: Any) -> TaskData:
        """Move every split to `device` once; training then slices batches on the device."""
        move = lambda s: Split(s.X.to(device), s.y.to(device))  # noqa: E731
        return replace(self, train=move(self.train), val=move(self.val), test=move(self.test))

    def fingerprint(self) -> str:
        """A hash of the split contents: two runs on the same data and seed agree on it."""
        h = hashlib.sha256()
        for split in (self.train, self.val, self.test):
            for t in (split.X, split.y):
                h.update(t.detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:16]

    def describe(self) -> dict[str, Any]:
        """JSON description stored with the study (and in export manifests)."""
        return {
            "name": self.name, "task": self.task, "kind": self.kind, "metric": self.metric,
            "input_shape": list(self.input_shape), "out_dim": self.out_dim,
            "class_names": self.class_names, "preprocessing": self.preprocessing,
            "sizes": [len(self.train), len(self.val), len(self.test)],
            "fingerprint": self.fingerprint(), "source": self.source,
        }


def feature_axes(task: str, ndim: int) -> tuple[int, ...]:
    """Axes averaged over when standardising: all but channels (images) or features (others)."""
    keep = TASKS[task].channel_axis % ndim
    return tuple(i for i in range(ndim) if i != keep)


def fit_standardize(X: np.ndarray, task: str) -> dict[str, Any]:
    """Per-channel (images) or per-feature statistics of the training split."""
    axes = feature_axes(task, X.ndim)
    mean = X.mean(axis=axes)
    std = X.std(axis=axes)
    std = np.where(std < 1e-8, 1.0, std)
    return {"mean": mean.astype(float).tolist(), "std": std.astype(float).tolist()}


def fit_fill(X: np.ndarray) -> list[float]:
    """Each table column's median over the training rows, ignoring missing cells (0 when all are)."""
    present = ~np.isnan(X)
    return [float(np.median(X[present[:, j], j])) if present[:, j].any() else 0.0 for j in range(X.shape[1])]


def filled_note(missing: np.ndarray, names: list[str] | None = None) -> str | None:
    """What a `data:` line says of a table's missing cells (a boolean mask, rows x columns), filled
    after the split by `fill_missing`: how many, in which columns (named, the first five, when the
    file names them), and with what. None when there are none. Why said: a user should know that
    263 ages were guessed (the Titanic's) before reading a model's figure."""
    per_column = missing.sum(axis=0)
    holed = np.flatnonzero(per_column)
    if not len(holed):
        return None
    if names is None:
        where = f"{len(holed)} of {missing.shape[1]} column(s)"
    elif len(holed) == 1:
        where = f"'{names[holed[0]]}'"
    else:
        listed = [f"'{names[j]}' ({int(per_column[j])})" for j in holed[:5]]
        where = ", ".join(listed + ([f"{len(holed) - 5} more column(s)"] if len(holed) > 5 else []))
    return f"{int(per_column.sum())} missing cell(s) in {where} filled with their column's median over the training rows"


def fill_missing(X: np.ndarray, prep: dict[str, Any]) -> np.ndarray:
    """Missing cells (NaN) of a table replaced by the stored training medians (`fill`), if any."""
    if "fill" not in prep:
        return X
    fill = np.asarray(prep["fill"], dtype=X.dtype)
    numbers = X[:, :len(fill)]  # the one-hot columns of text categories follow, never missing
    return np.concatenate([np.where(np.isnan(numbers), fill, numbers), X[:, len(fill):]], axis=1)


def apply_standardize(X: np.ndarray, prep: dict[str, Any], task: str) -> np.ndarray:
    """Replay `fit_fill` and `fit_standardize` statistics (plus an optional leading `scale`) on raw inputs."""
    X = fill_missing(X.astype(np.float32), prep) * float(prep.get("scale", 1.0))
    if "mean" not in prep:
        return X
    shape = [1] * X.ndim
    shape[TASKS[task].channel_axis] = -1
    mean = np.asarray(prep["mean"], dtype=np.float32).reshape(shape)
    std = np.asarray(prep["std"], dtype=np.float32).reshape(shape)
    return (X - mean) / std
