"""How raw arrays become the layout each task's models take: images (N, C, H, W), sequences (N, T, F).

One place for it, because three readers need the same rule: an NPZ file (nas.data.files), the
inputs of `nas predict` (nas.data.inputs) and the UCR / UEA sets bundled with aeon
(nas.data.timeseries), which come as N x C x T.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np


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
