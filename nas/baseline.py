"""A plain baseline measured on the same split as the search, so a search's gain is visible.

Classification: scikit-learn logistic (softmax) regression; regression: linear regression
(ridge when there are fewer training rows than features). Inputs are flattened, standardised
as the trials see them; fitted on the training split, scored on validation and test with the
same functions as the trials (nas.metrics). A trivial reference (majority class / training
mean) is stored beside it, so an imbalanced set's accuracy can be read against it.
"""
from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

from nas.data import Split, TaskData, to_target_units
from nas.metrics import classification_report, regression_report

MAX_ITER = 1000


def _arrays(split: Split) -> tuple[np.ndarray, np.ndarray]:
    X = split.X.detach().cpu().numpy()
    return X.reshape(len(X), -1), split.y.detach().cpu().numpy()


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
    X, y = _arrays(split)
    return PLAIN[data.kind].report(y, model.predict(X), data.preprocessing)


def fit_baseline(data: TaskData) -> dict[str, Any]:
    """{'model', 'val', 'test', 'seconds', 'reference': {'model', 'test'}} as plain JSON."""
    plain = PLAIN[data.kind]
    X, y = _arrays(data.train)
    model = plain.make(*X.shape)
    name = "ridge regression" if isinstance(model, Ridge) else plain.name
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: the baseline is what it is after MAX_ITER
        model.fit(X, y)
    seconds = time.perf_counter() - started
    trivial = plain.make_trivial().fit(X, y)
    return {"model": name, "val": _scores(model, data, data.val), "test": _scores(model, data, data.test),
            "seconds": round(seconds, 3),
            "reference": {"model": plain.trivial, "test": _scores(trivial, data, data.test)}}
