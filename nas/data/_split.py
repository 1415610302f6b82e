"""Train / validation / test splitting: stratified for classes, fixed by the seed."""
from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from nas.errors import DataError

VAL_FRACTION = 0.2
TEST_FRACTION = 0.2
HOLDOUT_FRACTION = 0.25  # of the rows outside a given test split, the share that validates
MIN_PER_CLASS = 3  # a stratified split puts one of each class in train, validation and test


def split_indices(
    y: np.ndarray, stratify: bool, seed: int, source: str = "data"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Indices of train, validation and test rows (60 / 20 / 20)."""
    n = len(y)
    idx = np.arange(n)
    strat = y if stratify else None
    if stratify:
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < MIN_PER_CLASS:
            raise DataError(f"{source}: a class has only {counts.min()} example(s); need at least {MIN_PER_CLASS} per class to split "
                            f"(a target of a few distinct integers is read as classes: --kind regression predicts it as a number)")
    if n < 10:
        raise DataError(f"{source}: only {n} rows; need at least 10 for train / validation / test splits")
    val_share = VAL_FRACTION / (1 - TEST_FRACTION)
    try:
        rest, test = train_test_split(idx, test_size=TEST_FRACTION, random_state=seed, stratify=strat)
        train, val = train_test_split(rest, test_size=val_share, random_state=seed,
                                      stratify=None if strat is None else y[rest])
    except ValueError as exc:
        if not stratify:
            raise DataError(f"{source}: cannot split {n} rows: {exc}") from None
        # more classes than test (or validation) rows: each class cannot give one, so draw class by class
        rest, test = _few_shot_holdout(y, idx, TEST_FRACTION, seed, source, keep=2)
        train, val = _few_shot_holdout(y, rest, val_share, seed, source)
    return np.sort(train), np.sort(val), np.sort(test)


def ordered_split(n: int, source: str = "data") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chronological 60 / 20 / 20 split for series: the model is tested on the future, never the past."""
    if n < 10:
        raise DataError(f"{source}: only {n} windows; need at least 10 for train / validation / test splits")
    a, b = round(n * (1 - VAL_FRACTION - TEST_FRACTION)), round(n * (1 - TEST_FRACTION))
    idx = np.arange(n)
    return idx[:a], idx[a:b], idx[b:]


def ordered_holdout(n: int, first_test: int, fraction: float, source: str = "data") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Windows in time order whose test period is given (from `first_test` on): the last
    `fraction` of the windows before it validates, the rest trains."""
    if first_test >= n:
        raise DataError(f"{source}: no test window (the test period is shorter than one step)")
    train_val = first_test
    if train_val < 4:
        raise DataError(f"{source}: only {train_val} windows before the test period; need at least 4 to train and validate")
    cut = train_val - max(1, round(train_val * fraction))
    idx = np.arange(n)
    return idx[:cut], idx[cut:train_val], idx[train_val:]


def holdout_indices(y: np.ndarray, test: np.ndarray, fraction: float, stratify: bool, seed: int,
                    source: str = "data") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train and validation rows drawn from the rows outside a given test split (`fraction` of
    them validate), for benchmarks whose official test split must stay as published."""
    rest = np.setdiff1d(np.arange(len(y)), test)
    try:
        train, val = train_test_split(rest, test_size=fraction, random_state=seed,
                                      stratify=y[rest] if stratify else None)
    except ValueError as exc:
        if not stratify:
            raise DataError(f"{source}: cannot hold out validation rows from {len(rest)} training rows: {exc}") from None
        train, val = _few_shot_holdout(y, rest, fraction, seed, source)
    return np.sort(train), np.sort(val), np.sort(np.asarray(test))


def _few_shot_holdout(y: np.ndarray, rest: np.ndarray, fraction: float, seed: int,
                      source: str, keep: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The rows kept and the rows drawn (`fraction` of `rest`) where scikit-learn's stratified split
    refuses: a class of one training row, or more classes than rows to draw (the UCR archive's
    PigCVP, 52 classes of 2 rows, 26 to validate; 26 classes of 4 rows, 21 to test). Each class
    gives its share rounded down, keeping `keep` rows (1: one to train on; 2 when the test split
    is drawn, so a class can still train and validate), and the rows left over go, one a class, to
    the classes with the largest remainders (ties drawn by the seed). A class then misses from the
    drawn part rather than the split being refused: a given test split needs no class's row, a
    drawn one scores the classes it holds."""
    rng = np.random.default_rng(seed)
    classes, index, counts = np.unique(y[rest], return_inverse=True, return_counts=True)
    share = fraction * counts
    taken = np.clip(np.floor(share), 0, counts - keep).astype(int)
    wanted = int(np.ceil(fraction * len(rest))) - int(taken.sum())
    room = rng.permutation(np.flatnonzero(taken < counts - keep))  # classes that can give one more row
    ranked = room[np.argsort(-(share - taken)[room], kind="stable")]  # largest remainder first, ties in the seed's order
    taken[ranked[:max(0, wanted)]] += 1
    if taken.sum() == 0:
        raise DataError(f"{source}: cannot hold out validation rows: each of the {len(classes)} classes has a single "
                        f"training row")
    drawn = np.concatenate([rng.permutation(rest[index == c])[:taken[c]] for c in range(len(classes))])
    return np.setdiff1d(rest, drawn), drawn


Splits = tuple[np.ndarray, np.ndarray, np.ndarray]


def given_split(train: int, val: int | None, test: int | None) -> tuple[Splits | None, np.ndarray | None]:
    """(Raw.splits, Raw.test_rows) of parts a file gave, stacked train, validation, test (a part
    not given: None), as an NPZ's X_train / X_val / X_test or an image folder's train/ val/ test/
    are: with a validation part, the whole split (the validation rows also test when no test part
    was given); with a test part alone, the test rows as given (validation is then drawn from the
    training rows by the seed, `holdout_indices`)."""
    ends = np.cumsum([train, val or 0, test or 0])
    train_rows, val_rows, test_rows = (np.arange(a, b) for a, b in zip([0, *ends[:-1]], ends))
    if val is not None:
        return (train_rows, val_rows, test_rows if test is not None else val_rows), None
    return None, test_rows
