"""Raw arrays and series, before splitting: what every loader (built-in or the user's) returns."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Raw:
    """Raw arrays before splitting. `scale` multiplies inputs before standardising.

    `splits` are given train / validation / test row indices (a user's own split, or the
    chronological split of a series); None means a seeded 60/20/20 split (stratified for classes).
    `categorical` holds the text columns of a CSV table; they are one-hot encoded with the
    categories seen in the training split, after the split is known.
    """

    X: np.ndarray
    y: np.ndarray
    kind: str
    class_names: list[str]
    source: str
    scale: float = 1.0
    columns: list[str] | None = None  # feature names of a table, in order (CSV prediction needs them)
    splits: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    # A given test split alone (a benchmark's official one: the built-in UCR sets, an NPZ's
    # X_train / X_test pair): the other rows are split into train and validation by the seed,
    # `holdout` of them for validation (stratified for classes); both readers use this default.
    test_rows: np.ndarray | None = None
    holdout: float = 0.25
    categorical: dict[str, np.ndarray] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)  # more preprocessing to store (window, target)
    notes: tuple[str, ...] = ()  # what reading the file left out, said when a search starts


@dataclass(frozen=True)
class Series:
    """A multivariate time series (T, F) whose column `target` is forecast one step ahead."""

    values: np.ndarray
    columns: list[str]
    target: str
    source: str
    notes: tuple[str, ...] = ()  # what reading the file left out, said when a search starts
    gaps: np.ndarray | None = None  # steps whose target was missing (filled as inputs, never forecast targets)
    test_from: int | None = None  # the first step of a given test period (--test-data: its file's rows follow)
    grid: dict[str, Any] | None = None  # a numeric time that skips steps: {"column", "step"} (nas.data.time_grid)
    time: str | None = None  # the column that names each step (a date, a year): `nas predict` names forecasts by it
