"""Missing steps of series, filled by linear interpolation between the known steps either side.

Why: real series have gaps, and a model reads every step. A sensor was down or a week was not
recorded (a forecast column: `filled_gaps`); a series archive marks missing steps (`?` in a .ts
file, NaN in the UCR archive's .tsv: its DodgerLoop sets), and pads series of unequal length
with NaN to the longest (`filled_series`). Between two known steps the line joining them is the
guess that assumes least; before the first or after the last known step, the nearest known value
(for padding, the same as repeating a short series' last step, as nas.data.ts_file pads).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nas.errors import DataError


def _interpolated(values: np.ndarray) -> np.ndarray:
    """One channel of one series with its NaN steps filled (at least one step is known)."""
    known = ~np.isnan(values)
    steps = np.arange(len(values))
    return np.interp(steps, steps[known], values[known]).astype(values.dtype)


def filled_gaps(path: Path, name: str, numbers: np.ndarray) -> tuple[np.ndarray, int]:
    """A series column with its missing steps filled, and how many were filled."""
    known = np.isfinite(numbers)
    if known.all():
        return numbers, 0
    if not known.any():
        raise DataError(f"{path}: column '{name}' has no values")
    return _interpolated(np.where(known, numbers, np.nan)), int((~known).sum())


def interpolate_series(X: np.ndarray) -> np.ndarray:
    """Series (N, T, C) with each series' channel filled along its steps; one with no known step
    stays NaN (the caller refuses it, or leaves it out)."""
    gaps = np.isnan(X)
    if not gaps.any():
        return X
    X = X.copy()
    for row, channel in zip(*np.nonzero(gaps.any(axis=1) & ~gaps.all(axis=1))):
        X[row, :, channel] = _interpolated(X[row, :, channel])
    return X


def filled_series(where: str | Path, X: np.ndarray) -> tuple[np.ndarray, str | None]:
    """Series (N, T, C) read from a file, their missing steps filled (`interpolate_series`), and
    the note that says how many (None when none were). DataError, naming the series, for an
    infinite value or a series whose channel has no value at all."""
    if np.isinf(X).any():
        row = int(np.flatnonzero(np.isinf(X).any(axis=(1, 2)))[0])
        raise DataError(f"{where}: series {row + 1} has an infinite value")
    gaps = np.isnan(X)
    if not gaps.any():
        return X, None
    empty = gaps.all(axis=1)  # (N, C): a channel with no known step
    if empty.any():
        row, channel = (int(i[0]) for i in np.nonzero(empty))
        which = f", channel {channel + 1}," if X.shape[2] > 1 else ""
        raise DataError(f"{where}: series {row + 1}{which} has no values (every step is missing)")
    series = int(gaps.any(axis=(1, 2)).sum())
    return interpolate_series(X), (f"{int(gaps.sum())} missing step(s) in {series} of {len(X)} series filled by linear "
                                   f"interpolation between their neighbours (the nearest known step at either end)")
