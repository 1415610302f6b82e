"""Does a windowed series forecast better as levels or as changes from the last value?

Every network of a study on a windowed series (`--window`) is built one way or the other
(nas.models.forecast): as a function of the window (levels), or of the window minus its last
value, the last value added back (changes). A trending series needs changes: its test windows
lie above every training window, and a network of levels cannot reach them. A series that swings
around a stable mean (sunspots) may need levels: how far the last value is from the mean tells
where it goes next, and the changes alone do not say.

The data decides, once, before the search, the way a forecaster picks the order of differencing
before fitting: linear regression on each form, scored by the same time-ordered folds over
train + validation that score the trials (the test windows are never looked at); changes win
when their mean fold RMSE is lower. Linear regression is the cheap, convex stand-in of the
networks here (and the baseline `nas` prints). Measured (5 folds, RMSE in target units, levels
vs changes): airline passengers, window 12: 20.35 vs 15.08; shampoo sales, window 6: 94.5 vs
81.8; lynx, window 12: 1137 vs 981: changes. The built-in sunspots (window 12): 16.54 vs 16.70: levels.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LinearRegression, Ridge

from nas.data.folds import SCHEMES

FOLDS = 5  # as the search's automatic cross-validation (nas.search.config.CV_FOLDS)


def _fold_rmse(X: np.ndarray, y: np.ndarray, offset: np.ndarray, splits: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """Mean over folds of the RMSE of linear regression fitted to y - offset on X, offset added back."""
    errors = []
    for tr, va in splits:
        model = LinearRegression() if len(tr) > X.shape[1] else Ridge(alpha=1.0)  # as nas.baseline
        model.fit(X[tr], y[tr] - offset[tr])
        errors.append(float(np.sqrt(np.mean((model.predict(X[va]) + offset[va] - y[va]) ** 2))))
    return float(np.mean(errors))


def forecast_wiring(X: np.ndarray, y: np.ndarray, prep: dict[str, Any], rows: np.ndarray) -> dict[str, Any] | None:
    """The wiring of a windowed series (None for other data): the forecast channel, the change of
    units from its standardised inputs to the standardised target, and whether the networks
    forecast changes (`residual`), with the fold RMSE of both forms in target units.

    X (N, T, C) and y (N,) are standardised; `rows` are train + validation, in time order."""
    columns, target = prep.get("columns"), prep.get("target")
    if "window" not in prep or not columns or target not in columns:
        return None
    channel = columns.index(target)
    t_mean, t_std = float(prep["target_mean"]), float(prep["target_std"])
    scale = float(prep["std"][channel]) / t_std
    wiring: dict[str, Any] = {"channel": channel, "scale": scale,
                              "shift": (float(prep["mean"][channel]) - t_mean) / t_std, "residual": False}
    Xr, yr = X[rows].astype(np.float64), y[rows].astype(np.float64)
    ordered_folds, most = SCHEMES["ordered"]  # the search's time-ordered folds
    folds = min(FOLDS, most(yr))
    if folds < 2:
        return wiring
    last = Xr[:, -1, channel]
    changes = Xr.copy()
    changes[:, :, channel] -= last[:, None]
    splits = ordered_folds(yr, folds, 0)
    levels = _fold_rmse(Xr.reshape(len(Xr), -1), yr, np.zeros_like(yr), splits)
    residual = _fold_rmse(changes.reshape(len(Xr), -1), yr, last * scale + wiring["shift"], splits)
    wiring.update(residual=bool(residual < levels), cv_rmse={"levels": levels * t_std, "changes": residual * t_std})
    return wiring
