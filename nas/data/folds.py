"""Cross-validation folds over train + validation, and the merged set a final model is refit on.

Why: a 20% validation split of a small dataset holds 13-114 rows, too few to rank candidates on.
K folds over train + validation score every candidate on all of those rows. The test split is
never part of a fold; it stays untouched until a chosen model is scored once.

The scheme follows the data (a table of schemes, looked up by `fold_scheme`):
- `stratified`: classification; scikit-learn's StratifiedKFold shuffled with the study seed, so
  every fold keeps the class proportions;
- `ordered`: a windowed series (its preprocessing has a `window`); expanding windows as in
  scikit-learn's TimeSeriesSplit: each fold trains on the past and validates on the part right
  after it, never on the past;
- `shuffled`: any other regression; KFold shuffled with the study seed.

A fold is the same TaskData with other train / validation tensors: the preprocessing (scaling,
one-hot categories, target standardisation) stays the one fitted on the original training split,
so every fold, the refit and `nas predict` see inputs scaled the same way. Fold validation rows
that were original training rows took part in fitting those statistics; that is a mild leak of
scale (not of targets), the same one the refit has on its whole training set.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch
from sklearn.model_selection import KFold, StratifiedKFold, TimeSeriesSplit

from nas.data._task import Split, TaskData
from nas.errors import UsageError

FoldIndices = list[tuple[np.ndarray, np.ndarray]]


def train_plus_val(data: TaskData) -> TaskData:
    """The data with the validation rows appended to training (in that order, so a series stays
    in time order); `val` is that same merged set (fit reports progress on it)."""
    merged = Split(torch.cat([data.train.X, data.val.X]), torch.cat([data.train.y, data.val.y]))
    return replace(data, train=merged, val=merged)


def fold_scheme(data: TaskData) -> str:
    """`ordered` for a windowed series, `stratified` for classes, `shuffled` otherwise."""
    if "window" in data.preprocessing:
        return "ordered"
    return "stratified" if data.kind == "classification" else "shuffled"


def _stratified(y: np.ndarray, k: int, seed: int) -> FoldIndices:
    with warnings.catch_warnings():  # "the least populated class has only 1 members": a class of one row, below
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def _ordered(y: np.ndarray, k: int, seed: int) -> FoldIndices:
    """K + 1 equal blocks in time order; fold i trains on blocks 0..i-1 and validates on block i.
    The first fold's few windows are kept on purpose: folds that all train on half the rows or
    more (`test_size=len(y) // (2 * k)`) chose worse models on 23 of 40 real series (2026-12-06)."""
    return list(TimeSeriesSplit(n_splits=k).split(np.zeros(len(y))))


def _shuffled(y: np.ndarray, k: int, seed: int) -> FoldIndices:
    return list(KFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y))))


def _stratified_max(y: np.ndarray) -> int:
    """Each fold needs every class in its validation part: at most the smallest class's count,
    a class of a single row aside (with a given test split, a class may have one training row,
    nas.data._split: it validates in one fold, whose training part lacks it; it does not make
    the whole study a holdout one)."""
    counts = np.unique(y, return_counts=True)[1]
    several = counts[counts > 1]
    return int(several.min()) if len(several) else 1


SCHEMES: dict[str, tuple[Callable[[np.ndarray, int, int], FoldIndices], Callable[[np.ndarray], int]]] = {
    # name -> (indices of K folds, the most folds the targets allow)
    "stratified": (_stratified, _stratified_max),
    "ordered": (_ordered, lambda y: len(y) // 2 - 1),  # every validation part holds at least 2 rows
    "shuffled": (_shuffled, lambda y: len(y) // 2),
}


def _pool_targets(data: TaskData) -> np.ndarray:
    return torch.cat([data.train.y, data.val.y]).cpu().numpy()


def max_folds(data: TaskData) -> int:
    """The most folds train + validation can be cut into by the data's scheme."""
    return SCHEMES[fold_scheme(data)][1](_pool_targets(data))


def check_folds(data: TaskData, k: int) -> None:
    """UsageError (naming --cv) when train + validation cannot be cut into `k` folds."""
    if k < 1:
        raise UsageError(f"--cv: must be at least 1 (1: a single holdout split), got {k}")
    most, scheme = max_folds(data), fold_scheme(data)
    if k > 1 and k > most:
        why = {"stratified": "the smallest class has", "ordered": "the series allows", "shuffled": "the rows allow"}[scheme]
        rows = len(data.train) + len(data.val)
        raise UsageError(f"--cv {k}: {why} at most {most} fold(s) over the {rows} train + validation rows; "
                         f"use --cv {max(1, most)} or fewer (--cv 1: a single holdout split)")


def fold_indices(data: TaskData, k: int, seed: int) -> FoldIndices:
    """(training rows, validation rows) of each fold, as indices into train + validation."""
    check_folds(data, k)
    return SCHEMES[fold_scheme(data)][0](_pool_targets(data), k, seed)


def make_folds(data: TaskData, k: int, seed: int) -> list[TaskData]:
    """K copies of `data` whose train / val are the folds of train + validation (test unchanged).

    Built on the data's device: the pooled tensors are indexed there, nothing goes through the host.
    """
    pool = train_plus_val(data).train
    folds = []
    for tr, va in fold_indices(data, k, seed):
        tr_i, va_i = (torch.as_tensor(i, device=pool.X.device) for i in (tr, va))
        folds.append(replace(data, train=Split(pool.X[tr_i], pool.y[tr_i]), val=Split(pool.X[va_i], pool.y[va_i])))
    return folds
