"""A plain baseline measured on the same split as the search, so a search's gain is visible.

Classification: scikit-learn logistic (softmax) regression; regression: linear regression
(ridge when there are fewer training rows than features). Inputs are flattened, standardised
as the trials see them, a table's text categories one-hot, but without the indicators nas adds
for integer columns it found to be codes (nas.data.codes): the baseline is the plain model a
user fits by hand on the columns as they are, and finding a code is part of what nas is for.
Fitted on the training split, scored on validation and test with the same functions as the
trials (nas.metrics). A trivial reference (majority class / training
mean) is stored beside it, so an imbalanced set's accuracy can be read against it. When the
search scores trials by cross-validation, the baseline is scored on the same folds too (`cv`),
so "the baseline beats the chosen model on validation" compares like with like.
"""
from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from nas.data import Split, TaskData, to_target_units
from nas.metrics import better, classification_report, regression_report

MAX_ITER = 1000
# Trials' metrics are float32 (0.96 is stored as 0.95999999046), the baseline's float64: values this
# close are one figure, not a loss to the baseline (float32 resolves ~6e-8 relative).
SAME_FIGURE = 1e-6
# An error below this share of the trivial reference's (R² above 1 - 1e-8) is an exact fit (baseline_beats).
PERFECT_FIT = 1e-4


def _arrays(split: Split, prep: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Flat inputs and targets, without the indicators nas adds for integer codes (the last columns)."""
    X = split.X.detach().cpu().numpy()
    X = X.reshape(len(X), -1)
    added = sum(len(values) for values in prep.get("codes", {}).values())
    return X[:, :X.shape[1] - added], split.y.detach().cpu().numpy()


@dataclass(frozen=True)
class PlainModels:
    """What one target kind is measured against: the plain model, the trivial reference, the report."""

    name: str
    make: Callable[[int, int], Any]  # (training rows, features) -> an unfitted scikit-learn model
    trivial: str
    make_trivial: Callable[[], Any]
    report: Callable[[np.ndarray, np.ndarray, dict[str, Any]], dict[str, float]]  # (y, prediction, preprocessing)


def _linear(rows: int, features: int) -> Any:
    """Linear regression; ridge when there are no more rows than features (the fit is not unique)."""
    return Ridge(alpha=1.0) if rows <= features else LinearRegression()


PLAIN: dict[str, PlainModels] = {
    "classification": PlainModels("logistic regression", lambda rows, features: LogisticRegression(max_iter=MAX_ITER),
                                  "majority class", lambda: DummyClassifier(strategy="most_frequent"),
                                  lambda y, pred, prep: classification_report(y, pred)),
    "regression": PlainModels("linear regression", _linear, "training mean", DummyRegressor,
                              lambda y, pred, prep: regression_report(to_target_units(y, prep), to_target_units(pred, prep))),
}


def _scores(model: Any, data: TaskData, split: Split) -> dict[str, float]:
    X, y = _arrays(split, data.preprocessing)
    return PLAIN[data.kind].report(y, model.predict(X), data.preprocessing)


def _fit(data: TaskData) -> Any:
    """The plain model of the data's kind, fitted on its training split."""
    X, y = _arrays(data.train, data.preprocessing)
    model = PLAIN[data.kind].make(*X.shape)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: the baseline is what it is after MAX_ITER
        model.fit(X, y)
    return model


def _cv(folds: list[TaskData]) -> dict[str, Any]:
    """The plain model's validation metrics averaged over the folds (each fitted on its fold)."""
    scores = [_scores(_fit(fold), fold, fold.val) for fold in folds]
    return {"folds": len(folds), "val": {k: float(np.mean([s[k] for s in scores])) for k in scores[0]}}


def fit_baseline(data: TaskData, folds: list[TaskData] | None = None) -> dict[str, Any]:
    """{'model', 'val', 'test', 'seconds', 'reference': {'model', 'test'}} as plain JSON, plus
    'cv': {'folds', 'val'} when the search's cross-validation `folds` are given."""
    plain = PLAIN[data.kind]
    started = time.perf_counter()
    model = _fit(data)
    seconds = time.perf_counter() - started
    name = "ridge regression" if isinstance(model, Ridge) else plain.name
    trivial = plain.make_trivial().fit(*_arrays(data.train, data.preprocessing))
    out = {"model": name, "val": _scores(model, data, data.val), "test": _scores(model, data, data.test),
           "seconds": round(seconds, 3),
           "reference": {"model": plain.trivial, "test": _scores(trivial, data, data.test)}}
    return {**out, "cv": _cv(folds)} if folds else out


def baseline_beats(theirs: float, ours: float, direction: str, scale: float = 0.0) -> bool:
    """Does the baseline's validation figure beat the chosen model's, beyond float32 rounding?

    `scale`, for an error metric: the trivial reference's error (the training mean's RMSE). Two
    errors both within PERFECT_FIT of it are both exact fits (a target that is a sum of other
    columns): a float32 network stops near 1e-5 of the target's spread, float64 least squares
    near 0, and "prefer the baseline" would be advice about rounding."""
    if math.isclose(theirs, ours, rel_tol=SAME_FIGURE, abs_tol=max(1e-12, PERFECT_FIT * scale)):
        return False
    return better(theirs, ours, direction)
