"""How raw arrays become the layout each task's models take: images (N, C, H, W), sequences (N, T, F).

One place for it, because three readers need the same rule: an NPZ file (nas.data.npz_file), the
inputs of `nas predict` (nas.data.inputs) and the UCR / UEA sets bundled with aeon
(nas.data.timeseries), which come as N x C x T.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np

from nas.data.gaps import interpolate_series


def image_layout(X: np.ndarray) -> np.ndarray:
    """Images as (N, C, H, W): (N, H, W) gains a channel axis; channels-last (N, H, W, 1|3) is moved."""
    if X.ndim == 3:
        return X[:, None]
    if X.ndim == 4 and X.shape[1] not in (1, 3) and X.shape[3] in (1, 3):
        return X.transpose(0, 3, 1, 2)
    return X


# An NPZ sequence's axes -> how they become (N, T, F).
SEQUENCE_LAYOUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "steps": lambda X: X,  # N x T x F: Keras', tslearn's
    "channels": lambda X: np.ascontiguousarray(X.transpose(0, 2, 1)),  # N x C x T: aeon's, sktime's
}
# layout -> (its axes and who writes them, the other layout), for the line that says how a file was read
SEQUENCE_LAYOUT_NAMES: dict[str, tuple[str, str]] = {
    "steps": ("N x T x F, Keras's layout", "channels"),
    "channels": ("N x C x T, aeon's layout", "steps"),
}


def sequence_axes(X: np.ndarray) -> str:
    """The layout of a 3-D sequence array when none is given: a middle axis shorter than the last
    is channels (N x C x T, the UCR / UEA archive as aeon loads it, N x 1 x T for its univariate
    sets): a series has more steps than channels nearly always. `--layout` says otherwise."""
    return "channels" if X.shape[1] < X.shape[2] else "steps"


SEQUENCE_ASPECT = 4  # a 3-D array whose one axis is this many times the other is sequences, not images


def looks_like_sequences(shape: tuple[int, ...]) -> bool:
    """Whether a 3-D array can only be sequences: N x 1 x T (a univariate UCR set as aeon loads
    it), or one axis at least SEQUENCE_ASPECT times the other (24 steps of 1, 100 steps of 6
    channels). Images N x H x W are about square (8 x 8 digits, 28 x 28 MNIST), so an array like
    them stays ambiguous and `--task` decides."""
    short, long = sorted(shape[1:])
    return short == 1 or long >= SEQUENCE_ASPECT * short


def looks_like_images(X: np.ndarray) -> bool:
    """Whether a 3-D array that could be either (`looks_like_sequences` said no) is images: square
    (N x 28 x 28: MNIST, digits' 8 x 8) or bytes (uint8: pixels; a series is rarely stored so).
    Sequences of as many steps as features are rare; the search says how it read the file, and
    `--task sequence` reads it the other way."""
    return X.ndim == 3 and (X.shape[1] == X.shape[2] or X.dtype == np.uint8)


# A 2-D array (N x D) is a table unless its rows look like series (looks_like_series).
SERIES_MIN_STEPS = 16  # fewer columns: a table (the UCR archive's shortest series have 15-24 steps)
SERIES_NEIGHBOURS = 0.6  # mean correlation of adjacent columns, at least
SERIES_CONTRAST = 0.3  # ... and at least this much above that of columns half a row apart
SERIES_PROBE_ROWS = 2000  # rows the test reads (the first ones): enough for a correlation, cheap on any file


def _column_correlation(Z: np.ndarray, lag: int) -> float:
    """Mean correlation of columns `lag` apart (Z standardised per column; constant columns NaN)."""
    return float(np.nanmean(np.mean(Z[:, :-lag] * Z[:, lag:], axis=0)))


def looks_like_series(X: np.ndarray) -> bool:
    """Whether the rows of a 2-D array are series (N x T: one channel of T steps), not table rows.

    A series' neighbouring values move together and values half a series apart much less; a
    table's columns are correlated, if at all, whatever their order. Measured (2026-12-03) on real
    data, mean correlation of adjacent columns / of columns half a row apart: UCR GunPoint 0.99 /
    0.15, ItalyPowerDemand 0.76 / -0.39, UnitTest 0.78 / 0.27, OSULeaf 1.00 / 0.32, Covid3Month
    0.91 / 0.13, MNIST-1D 0.82 / -0.09; tables at most 0.50 adjacent (breast_cancer 0.50 / 0.29,
    digits' 64 pixels 0.29 / -0.06, wine 0.09, diabetes 0.22, statsmodels' star98 0.19). Spiky
    series (UCR ACSF1, -0.08 adjacent) stay tables: `--task sequence` reads them as series.
    Reading a table as series costs little (the sequence space's mlp family is the table's MLP);
    reading series as a table loses the sequence families (GunPoint: 0.88 against 0.99)."""
    if X.ndim != 2 or X.shape[1] < SERIES_MIN_STEPS or not np.issubdtype(X.dtype, np.number):
        return False
    A = X[:SERIES_PROBE_ROWS].astype(np.float64)
    if np.isinf(A).any():
        return False
    A = interpolate_series(A[:, :, None])[:, :, 0]  # missing steps (a series file's gaps or padding) filled
    A = A[~np.isnan(A).any(axis=1)]  # a row with no value at all
    std = A.std(axis=0)
    if len(A) < 2 or (std > 0).sum() < SERIES_MIN_STEPS:
        return False  # mostly constant columns: no series
    Z = (A - A.mean(axis=0)) / np.where(std > 0, std, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pairs with a constant column are NaN, left out
        near, far = _column_correlation(Z, 1), _column_correlation(Z, X.shape[1] // 2)
    return bool(near >= SERIES_NEIGHBOURS and near - far >= SERIES_CONTRAST)


def sequence_layout(X: np.ndarray, layout: str | None = None) -> np.ndarray:
    """Sequences as (N, T, F): (N, T) is one channel of T steps; a 3-D array is read by `layout`
    (SEQUENCE_LAYOUTS), by its shape when None (sequence_axes)."""
    if X.ndim == 2:
        return X[:, :, None]
    if X.ndim != 3:
        return X
    return SEQUENCE_LAYOUTS[layout or sequence_axes(X)](X)


# task -> how its raw arrays are brought into the layout its models take (layout: sequences only)
LAYOUTS: dict[str, Callable[[np.ndarray, str | None], np.ndarray]] = {
    "image": lambda X, layout: image_layout(X), "sequence": sequence_layout,
}


def to_layout(X: np.ndarray, task: str, layout: str | None = None) -> np.ndarray:
    """X in the layout the task's models take (unchanged for tables)."""
    return LAYOUTS.get(task, lambda a, layout: a)(X, layout)
