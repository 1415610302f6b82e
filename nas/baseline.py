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
from typing import Any

import numpy as np

from nas.data import Split, TaskData, to_target_units
from nas.metrics import classification_report, regression_report

MAX_ITER = 1000


def _arrays(split: Split) -> tuple[np.ndarray, np.ndarray]:
    X = split.X.detach().cpu().numpy()
    return X.reshape(len(X), -1), split.y.detach().cpu().numpy()


def _model(data: TaskData, rows: int, features: int) -> tuple[str, Any]:
    """The plain model for the task kind, and its name for the summary."""
    from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge

    if data.kind == "classification":
        return "logistic regression", LogisticRegression(max_iter=MAX_ITER)
    if rows <= features:
        return "ridge regression", Ridge(alpha=1.0)
    return "linear regression", LinearRegression()


def _scores(model: Any, data: TaskData, split: Split) -> dict[str, float]:
    X, y = _arrays(split)
    pred = model.predict(X)
    if data.kind == "classification":
        return classification_report(y, pred)
    return regression_report(to_target_units(y, data.preprocessing), to_target_units(pred, data.preprocessing))


def fit_baseline(data: TaskData) -> dict[str, Any]:
    """{'model', 'val', 'test', 'seconds', 'reference': {'model', 'test'}} as plain JSON."""
    from sklearn.dummy import DummyClassifier, DummyRegressor

    X, y = _arrays(data.train)
    name, model = _model(data, *X.shape)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings: the baseline is what it is after MAX_ITER
        model.fit(X, y)
    seconds = time.perf_counter() - started
    trivial = DummyClassifier(strategy="most_frequent") if data.kind == "classification" else DummyRegressor()
    trivial.fit(X, y)
    return {"model": name, "val": _scores(model, data, data.val), "test": _scores(model, data, data.test),
            "seconds": round(seconds, 3),
            "reference": {"model": "majority class" if data.kind == "classification" else "training mean",
                          "test": _scores(trivial, data, data.test)}}
