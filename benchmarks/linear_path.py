"""How a linear regression should choose its L2 strength: the evidence for nas.sample's path.

One split of a small table cannot tell two ways of fitting a linear model apart: on diabetes's 89
test rows every variant below lands within 1% of linear regression, on linnerud's 4 test rows
anything can win. So this repeats nas's own procedure on 40 random splits of each of 11 real
regression tables (scikit-learn's and statsmodels' bundled data, 16 to 442 rows; nothing
downloaded): the 60 / 20 / 20 split, inputs and target standardised on the training split, 5
shuffled folds of train + validation, and the final model nas ships from a cross-validated study,
the ensemble (mean) of the 5 fold models. The fold models are ridge regressions at
alpha = weight_decay * rows / 2, the optimum nas's L-BFGS fit reaches for that weight decay
(tests/test_train_regularize.py asserts it). Strategies:

- `fixed WD`: every fold model at that weight decay;
- `path from S`: weight decays from S down to 1e-5, 3 a decade, each fold model keeping the one
  of least validation loss on its own fold (what nas's epoch rule does with a path);
- `path from 0.1 + mean`: nas's path with the training mean (weight decay 1e9) as a last step;
- `path from 0.1 + 0`: nas's path with least squares (weight decay 0) as a last step;
- `LR on train + val`: scikit-learn's linear regression on train + validation, for reference.

Each is scored by its test RMSE over the baseline's (linear regression fitted on the training
split, as nas prints it) on the same split: the table gives, per dataset, the mean ratio and the
share of splits where it beat the baseline; the last row the mean over datasets. Lower is better.

    python benchmarks/linear_path.py [--splits 40] [--kind regression|classification]

`--kind classification` does the same for logistic regression (C = 1 / (weight_decay * rows)) on 9
real classification sets (scikit-learn's, statsmodels', and UCR sets bundled with aeon), folds
stratified, each fold model keeping the step of best validation accuracy, ties by log loss (nas's
rule), probabilities averaged; the table gives the mean test accuracy minus the baseline's
(logistic regression on the training split) and the shares of splits above and at-or-above it.
"""
from __future__ import annotations

try:
    from benchmarks._common import table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import table

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray]
STEPS = 3  # weight decays per decade, as nas.sample.PATH_STEPS
FLOOR = 1e-5


def _statsmodels(name: str, target: str) -> Callable[[], Arrays]:
    def load() -> Arrays:
        import statsmodels.api as sm

        frame = getattr(sm.datasets, name).load_pandas().data
        return frame.drop(columns=target).to_numpy(float), frame[target].to_numpy(float)
    return load


def _sklearn(name: str, target: str | None = None) -> Callable[[], Arrays]:
    def load() -> Arrays:
        from sklearn import datasets

        if target is None:
            X, y = getattr(datasets, name)(return_X_y=True)
            return np.asarray(X, float), np.asarray(y, float)
        frame = getattr(datasets, name)(as_frame=True).frame
        return frame.drop(columns=target).to_numpy(float), frame[target].to_numpy(float)
    return load


DATASETS: dict[str, Callable[[], Arrays]] = {
    "diabetes": _sklearn("load_diabetes"),
    "linnerud": _sklearn("load_linnerud", "Weight"),
    "stackloss": _statsmodels("stackloss", "STACKLOSS"),
    "longley": _statsmodels("longley", "TOTEMP"),
    "statecrime": _statsmodels("statecrime", "violent"),
    "copper": _statsmodels("copper", "WORLDCONSUMPTION"),
    "ccard": _statsmodels("ccard", "AVGEXP"),
    "engel": _statsmodels("engel", "foodexp"),
    "star98": _statsmodels("star98", "NABOVE"),
    "scotland": _statsmodels("scotland", "YES"),
    "elnino": _statsmodels("elnino", "DEC"),
}


def _ucr(name: str) -> Callable[[], Arrays]:
    def load() -> Arrays:
        from aeon.datasets import load_classification

        X, y = load_classification(name)
        return np.asarray(X, float).reshape(len(X), -1), np.unique(y, return_inverse=True)[1]
    return load


def _labels(load: Callable[[], Arrays]) -> Callable[[], Arrays]:
    def labelled() -> Arrays:
        X, y = load()
        return X, np.unique(y, return_inverse=True)[1]
    return labelled


CLASSIFICATION: dict[str, Callable[[], Arrays]] = {
    "breast_cancer": _sklearn("load_breast_cancer"), "wine": _sklearn("load_wine"), "iris": _sklearn("load_iris"),
    "ItalyPowerDemand": _ucr("ItalyPowerDemand"), "GunPoint": _ucr("GunPoint"), "ArrowHead": _ucr("ArrowHead"),
    "UnitTest": _ucr("UnitTest"), "spector": _statsmodels("spector", "GRADE"), "anes96": _statsmodels("anes96", "vote"),
}
CLASSIFICATION = {name: _labels(load) for name, load in CLASSIFICATION.items()}


def decays(start: float) -> np.ndarray:
    count = round(STEPS * np.log10(start / FLOOR)) + 1
    return start * 10.0 ** (-np.arange(count) / STEPS)


STRATEGIES: dict[str, np.ndarray] = {
    "fixed 1e-5": np.array([1e-5]),
    "fixed 0.01": np.array([1e-2]),
    "path from 100": decays(100.0),
    "path from 1": decays(1.0),
    "path from 0.1 (nas)": decays(0.1),
    # the training mean (a weight decay so strong no slope survives) as one more step: for tables
    # with no signal (statsmodels' heart, strikes), where the mean beats every fit on test
    "path from 0.1 + mean": np.append(decays(0.1), 1e9),
    # least squares itself (weight decay 0) as one more step: a target that is an exact linear
    # function of its inputs (a sum, a count of months) is fitted exactly only there
    "path from 0.1 + 0": np.append(decays(0.1), 0.0),
}


def one_split(X: np.ndarray, y: np.ndarray, seed: int) -> dict[str, float]:
    """Every strategy's test RMSE over the baseline's on one random split."""
    from sklearn.linear_model import LinearRegression, Ridge
    from sklearn.model_selection import KFold, train_test_split

    rest, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed)
    train, _ = train_test_split(rest, test_size=0.25, random_state=seed)
    Z = (X - X[train].mean(0)) / (X[train].std(0) + 1e-12)
    mean, std = y[train].mean(), y[train].std()
    t = (y - mean) / std

    def rmse(pred: np.ndarray) -> float:
        return float(np.sqrt(np.mean((pred * std + mean - y[test]) ** 2)))

    base = rmse(LinearRegression().fit(Z[train], t[train]).predict(Z[test]))
    ratios = {"LR on train + val": rmse(LinearRegression().fit(Z[rest], t[rest]).predict(Z[test])) / base}
    folds = [(rest[a], rest[b]) for a, b in KFold(5, shuffle=True, random_state=seed).split(rest)]
    for name, path in STRATEGIES.items():
        members = []
        for fit_rows, val_rows in folds:
            models = [Ridge(alpha=wd * len(fit_rows) / 2).fit(Z[fit_rows], t[fit_rows]) for wd in path]
            losses = [np.mean((m.predict(Z[val_rows]) - t[val_rows]) ** 2) for m in models]
            members.append(models[int(np.argmin(losses))].predict(Z[test]))
        ratios[name] = rmse(np.mean(members, axis=0)) / base
    return ratios


def one_split_classification(X: np.ndarray, y: np.ndarray, seed: int) -> dict[str, float]:
    """Every strategy's test accuracy minus the baseline's on one random stratified split."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, train_test_split

    rest, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=y)
    train, _ = train_test_split(rest, test_size=0.25, random_state=seed, stratify=y[rest])
    Z = (X - X[train].mean(0)) / (X[train].std(0) + 1e-12)

    def accuracy(model: LogisticRegression, rows: np.ndarray) -> float:
        return float(np.mean(model.predict(Z[test]) == y[test]))

    base = accuracy(LogisticRegression(max_iter=1000).fit(Z[train], y[train]), test)
    gains = {"LR on train + val": accuracy(LogisticRegression(max_iter=1000).fit(Z[rest], y[rest]), test) - base}
    split = StratifiedKFold(5, shuffle=True, random_state=seed).split(rest, y[rest])
    folds = [(rest[a], rest[b]) for a, b in split]
    fitted: dict[tuple[int, float], tuple[float, float, np.ndarray, np.ndarray]] = {}
    for name, path in STRATEGIES.items():
        members = []
        for index, (fit_rows, val_rows) in enumerate(folds):
            for wd in path:
                if (index, wd) not in fitted:
                    m = LogisticRegression(C=1.0 / (wd * len(fit_rows)), max_iter=2000).fit(Z[fit_rows], y[fit_rows])
                    p = m.predict_proba(Z[val_rows])
                    true = np.clip(p[np.arange(len(val_rows)), np.searchsorted(m.classes_, y[val_rows])], 1e-12, 1)
                    fitted[index, wd] = (float(np.mean(m.classes_[p.argmax(1)] == y[val_rows])),
                                         float(np.mean(np.log(true))), m.predict_proba(Z[test]), m.classes_)
            best = max(path, key=lambda wd: fitted[index, wd][:2])  # accuracy, then log likelihood
            members.append(fitted[index, best])
        classes = members[0][3]
        gains[name] = float(np.mean(classes[np.mean([m[2] for m in members], axis=0).argmax(1)] == y[test])) - base
    return gains


@dataclass(frozen=True)
class Kind:
    """One target kind's benchmark: its sets, how one split is scored, how a table cell reads."""

    datasets: dict[str, Callable[[], Arrays]]
    one_split: Callable[[np.ndarray, np.ndarray, int], dict[str, float]]
    cell: Callable[[float, list[float]], str]  # (mean over splits, each split's figure) -> cell
    mean: str  # format of the mean over datasets
    title: str  # with {splits}


KINDS: dict[str, Kind] = {
    "regression": Kind(
        DATASETS, one_split, lambda mean, xs: f"{mean:.3f} / {np.mean([x < 1 for x in xs]):.0%}", "{:.3f}",
        "test RMSE / linear regression's (fitted on the training split): mean ratio / share of {splits} "
        "splits beating it"),
    "classification": Kind(
        CLASSIFICATION, one_split_classification,
        lambda mean, xs: f"{mean:+.4f} / {np.mean([x > 0 for x in xs]):.0%} / {np.mean([x >= 0 for x in xs]):.0%}",
        "{:+.4f}", "test accuracy minus logistic regression's (fitted on the training split): mean / share of "
        "{splits} splits above it / at or above it"),
}


def report(kind: Kind, splits: int) -> None:
    names = ["LR on train + val", *STRATEGIES]
    rows, means = [], {n: [] for n in names}
    for dataset, load in kind.datasets.items():
        X, y = load()
        runs = [kind.one_split(X, y, seed) for seed in range(splits)]
        cells = []
        for n in names:
            figures = [r[n] for r in runs]
            means[n].append(float(np.mean(figures)))
            cells.append(kind.cell(means[n][-1], figures))
        rows.append([f"{dataset} ({len(y)} rows)", *cells])
    rows.append(["mean over datasets", *(kind.mean.format(np.mean(means[n])) for n in names)])
    table(kind.title.format(splits=splits), ["dataset", *names], rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=40)
    parser.add_argument("--kind", choices=tuple(KINDS), default="regression")
    args = parser.parse_args()
    report(KINDS[args.kind], args.splits)


if __name__ == "__main__":
    main()
