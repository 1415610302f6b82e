"""A user's CSV through `nas search`, `nas export` and `nas predict`, pinned before the engine
moves (issue 10): predictions come out in the target's own units (a regression value on the raw
target's scale, a class by its name in the file), and the stored test figure is reproduced from
`nas predict`'s output on the test rows alone.

The test rows are found by the documented split rule (README: 60 / 20 / 20, stratified by class,
fixed by --seed; scikit-learn's train_test_split with the seed), cross-checked with the split
sizes the bundle records. Real data: scikit-learn's diabetes and breast cancer sets, written out
as the CSV files a user would have.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.model_selection import train_test_split

MLP = """\
family: mlp
layers: {depth: [0, 1], width: 8}
train: {lr: {low: 1.0e-3, high: 1.0e-1, log: true}, epochs: 2}
"""


def write_csv(path: Path, columns: list[str], X: np.ndarray, target: str, y: list) -> None:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow([*columns, target])
        writer.writerows([*map(repr, map(float, row)), label] for row, label in zip(X, y))


def split_test_rows(y: np.ndarray, stratify: bool, seed: int = 0) -> np.ndarray:
    """Indices of the test split: 20% of the rows, drawn first, stratified for classes."""
    labels = np.unique(y, return_inverse=True)[1] if stratify else None
    _, test = train_test_split(np.arange(len(y)), test_size=0.2, random_state=seed, stratify=labels)
    return np.sort(test)




def search_export_predict(run_cli, workdir: Path, data: Path, target: str) -> tuple[dict, list[dict], dict]:
    """The user's path: search the CSV, export the best trial, predict the same CSV with the bundle.
    Returns the bundle's manifest, one prediction row per CSV row, and the best leaderboard row."""
    space = workdir / "mlp.yaml"
    space.write_text(MLP)
    found = run_cli("search", "--data", data, "--target", target, "--space", space, "--trials", 2,
                    "--pruner", "none", "--threads", 1, "-q")
    assert found.exit_code == 0, found.stderr
    best = run_cli("leaderboard", "--json", "--top", 1).json()[0]
    out = workdir / "bundle"
    exported = run_cli("export", "--format", "state-dict", "--out", out)
    assert exported.exit_code == 0, exported.stderr
    predicted = run_cli("predict", out, data, "--format", "json")
    assert predicted.exit_code == 0, predicted.stderr
    return json.loads((out / "manifest.json").read_text()), predicted.json(), best


def test_csv_regression_predicts_in_target_units_and_reproduces_the_test_rmse(workdir: Path, run_cli) -> None:
    raw = load_diabetes()
    y = raw.target.astype(np.float64)  # disease progression, 25 to 346
    data = workdir / "diabetes.csv"
    write_csv(data, list(raw.feature_names), raw.data, "progression", [repr(float(v)) for v in y])
    manifest, rows, best = search_export_predict(run_cli, workdir, data, "progression")
    assert (manifest["kind"], manifest["metric"], manifest["direction"]) == ("regression", "rmse", "minimize")
    assert manifest["source"]["trial"] == best["trial"] and manifest["metrics"]["test"] == best["refit_test"]
    assert manifest["metrics"]["search_test"] == best["test"]  # the bundle is the final model (issue 11)
    assert [r["input"] for r in rows] == [str(i) for i in range(len(y))]
    pred = np.array([r["value"] for r in rows])
    # Target units, not standardised ones: the predictions sit where the target does.
    assert y.min() - y.std() < pred.mean() < y.max() + y.std() and abs(pred.mean() - y.mean()) < y.std()
    test = split_test_rows(y, stratify=False)
    assert len(test) == manifest["data"]["sizes"][2]
    rmse = float(np.sqrt(np.mean((pred[test] - y[test]) ** 2)))
    assert rmse == pytest.approx(manifest["metrics"]["test"], rel=1e-5)  # the stored test figure, reproduced
    assert rmse < y.std()  # and it is a fitted model: better than predicting the mean


def test_csv_classification_predicts_class_names_and_reproduces_the_test_accuracy(workdir: Path, run_cli) -> None:
    raw = load_breast_cancer()
    names = [str(raw.target_names[i]) for i in raw.target]  # "malignant" / "benign", as a user's file has them
    data = workdir / "tumours.csv"
    write_csv(data, list(raw.feature_names), raw.data, "diagnosis", names)
    manifest, rows, best = search_export_predict(run_cli, workdir, data, "diagnosis")
    assert (manifest["kind"], manifest["metric"], manifest["class_names"]) == ("classification", "accuracy", ["benign", "malignant"])
    assert manifest["source"]["trial"] == best["trial"] and manifest["metrics"]["test"] == best["refit_test"]
    assert manifest["metrics"]["search_test"] == best["test"]  # the bundle is the final model (issue 11)
    assert [r["input"] for r in rows] == [str(i) for i in range(len(names))]
    assert {r["class"] for r in rows} <= {"benign", "malignant"}
    assert all(0.5 <= r["probability"] <= 1.0 for r in rows)  # top-1 of two classes
    test = split_test_rows(np.array(names), stratify=True)
    assert len(test) == manifest["data"]["sizes"][2]
    accuracy = float(np.mean([rows[i]["class"] == names[i] for i in test]))
    assert accuracy == pytest.approx(manifest["metrics"]["test"], abs=1e-6)  # the stored test figure, reproduced
    assert accuracy > 0.63  # better than always answering the majority class (benign: 357 of 569)
