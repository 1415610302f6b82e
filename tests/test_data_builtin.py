"""Built-in datasets match what `nas datasets` says about them; baseline and metrics are scored
on the same split as the trials."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest
import torch

from nas.data import BUILTINS, EXTRAS, DataSpec, load_data


def _builtin(name: str, *more: object) -> object:
    """A built-in's name (and `more` values) as a test parameter, skipped with the missing
    package named when its optional dependency is not installed."""
    extra = BUILTINS[name].extra
    missing = extra is not None and importlib.util.find_spec(EXTRAS[extra]) is None
    reason = f"{name} needs {EXTRAS[extra]} (pip install 'nas[{extra}]')" if missing else ""
    return pytest.param(name, *more, marks=pytest.mark.skipif(missing, reason=reason))


@pytest.mark.parametrize("name", [_builtin(n) for n in BUILTINS])
def test_builtin_metadata_matches_the_data(name: str) -> None:
    entry = BUILTINS[name]
    data = load_data(DataSpec(task=entry.task, dataset=name))
    assert data.input_shape == entry.shape and data.kind == entry.kind
    assert sum(map(len, (data.train, data.val, data.test))) == entry.rows


def test_stratified_split_keeps_a_rare_class_in_every_split() -> None:
    from nas.data import Raw, prepare

    rng = np.random.default_rng(0)
    y = np.array([0] * 95 + [1] * 5)
    data = prepare(Raw(rng.normal(size=(100, 3)), y, "classification", ["a", "b"], "imbalanced"), "x", "tabular", 0)
    assert [int(s.y.sum()) for s in (data.train, data.val, data.test)] == [3, 1, 1]


def test_baseline_and_macro_f1_expose_a_majority_guess() -> None:
    from nas.baseline import fit_baseline
    from nas.data import Raw, prepare

    rng = np.random.default_rng(0)
    y = np.array([0] * 190 + [1] * 10)
    X = rng.normal(size=(200, 4))  # pure noise: nothing to learn
    data = prepare(Raw(X, y, "classification", ["a", "b"], "noise"), "x", "tabular", 0)
    base = fit_baseline(data)
    ref = base["reference"]["test"]
    assert base["model"] == "logistic regression"
    assert ref["accuracy"] == pytest.approx(0.95) and ref["f1_macro"] < 0.5


def test_regression_baseline_is_in_target_units() -> None:
    from nas.baseline import fit_baseline

    data = load_data(DataSpec(task="tabular", dataset="diabetes"))
    base = fit_baseline(data)
    assert base["model"] == "linear regression"
    assert 40 < base["test"]["rmse"] < 70 and 0.2 < base["test"]["r2"] < 0.7  # diabetes: ~55 RMSE, R² ~0.45


def test_baseline_beats_only_beyond_float32_rounding() -> None:
    from nas.baseline import baseline_beats

    # a trial's accuracy is float32: 0.96 over 5 folds is stored as 0.9599999904632568
    assert not baseline_beats(0.96, 0.9599999904632568, "maximize")
    assert baseline_beats(0.9604, 0.96, "maximize") and not baseline_beats(0.96, 0.9604, "maximize")
    assert baseline_beats(58.1, 58.2, "minimize") and not baseline_beats(58.2, 58.1, "minimize")
    assert not baseline_beats(58.2, 58.2000001, "minimize")


def test_two_exact_fits_are_one_figure_and_print_as_what_they_are() -> None:
    """A target that is a sum of other columns: float64 least squares reaches 0, a float32
    network 1e-5 of the target's spread. Neither beats the other; neither prints as 0.0000."""
    from nas.baseline import baseline_beats
    from nas.format import fmt, format_metrics

    assert not baseline_beats(0.0, 1.0e-5, "minimize", scale=0.65)  # the training mean's RMSE: 0.65
    assert baseline_beats(0.0, 1.0e-3, "minimize", scale=0.65) and baseline_beats(0.0, 1.0e-5, "minimize")
    assert fmt(1.5308e-05) == "1.531e-05" and fmt(0.0) == "0.0000" and fmt(0.97368) == "0.9737"
    assert fmt(-2.0e-6) == "-2e-06" and fmt(12093.93812) == "12093.9381" and fmt(None) == "-"
    assert fmt(0.00075830) == "0.0007583" and fmt(0.00076260) == "0.0007626"  # not 0.0008 twice: a win, not a tie
    assert fmt(0.0831) == "0.0831" and fmt(0.1) == "0.1000" and fmt(0.04, 1) == "0.04"
    assert format_metrics({"rmse": 1.5308e-05, "r2": 1.0}) == "RMSE 1.531e-05, R² 1.0000"


def test_series_builtin_without_statsmodels_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from nas.errors import DataError

    monkeypatch.setitem(sys.modules, "statsmodels", None)  # import statsmodels -> ImportError
    monkeypatch.setitem(sys.modules, "statsmodels.api", None)
    with pytest.raises(DataError, match=r"sunspots.*pip install 'nas\[series\]'"):
        load_data(DataSpec(task="sequence", dataset="sunspots"))


@pytest.mark.parametrize("name, train, test", [_builtin("gunpoint", 50, 150), _builtin("italypowerdemand", 67, 1029),
                                               _builtin("basicmotions", 40, 40)])
def test_ucr_sets_keep_the_official_test_split_and_hold_out_a_stratified_quarter(name: str, train: int, test: int) -> None:
    a = load_data(DataSpec(task="sequence", dataset=name, seed=0))
    b = load_data(DataSpec(task="sequence", dataset=name, seed=1))
    assert len(a.test) == test and len(a.train) + len(a.val) == train
    assert len(a.val) == round(train * 0.25) or len(a.val) == -(-train // 4)
    assert torch.equal(a.test.y, b.test.y) and not torch.equal(a.val.X, b.val.X)  # the seed draws validation only
    counts = [torch.bincount(s.y, minlength=a.out_dim) for s in (a.train, a.val)]
    assert all(c.min() > 0 for c in counts)  # every class in train and validation


@pytest.mark.parametrize("name", [_builtin("mnist1d")])
def test_mnist1d_is_the_packages_default_split(name: str) -> None:
    data = load_data(DataSpec(task="sequence", dataset=name))
    assert (len(data.train), len(data.val), len(data.test)) == (3000, 1000, 1000)
    assert data.input_shape == (40, 1) and data.out_dim == 10


@pytest.mark.parametrize("name, package, extra", [("gunpoint", "aeon", "ucr"), ("mnist1d", "mnist1d", "mnist1d")])
def test_time_series_builtins_without_their_package_say_how_to_install(monkeypatch: pytest.MonkeyPatch, name: str,
                                                                        package: str, extra: str) -> None:
    import sys

    from nas.errors import DataError

    monkeypatch.setitem(sys.modules, package, None)  # import -> ImportError
    with pytest.raises(DataError, match=rf"--dataset {name}: ships with {package}.*pip install 'nas\[{extra}\]'"):
        load_data(DataSpec(task="sequence", dataset=name))


@pytest.mark.parametrize("name, first, last", [_builtin("airline", 112, 432), _builtin("lynx", 269, 3396)])
def test_aeon_forecasting_series_are_the_files_column_in_time_order(name: str, first: float, last: float) -> None:
    series = BUILTINS[name].load()
    assert series.values.shape[1] == 1 and series.target == series.columns[0]
    assert (series.values[0, 0], series.values[-1, 0]) == (first, last)
    data = load_data(DataSpec(task="sequence", dataset=name))
    assert data.kind == "regression" and data.input_shape == (12, 1)  # the default window


@pytest.mark.parametrize("name, test", [_builtin("covid3month", 61), _builtin("cardanosentiment", 33)])
def test_monash_regression_sets_keep_their_official_test_split(name: str, test: int) -> None:
    raw = BUILTINS[name].load()
    assert raw.kind == "regression" and raw.y.dtype == np.float32 and len(np.unique(raw.y)) > test
    assert list(raw.test_rows) == list(range(len(raw.X) - test, len(raw.X)))
    data = load_data(DataSpec(task="sequence", dataset=name))
    assert len(data.test) == test and data.out_dim == 1


@pytest.mark.parametrize("name", [_builtin("m1yearly")])
def test_m1_yearly_is_the_tsf_file_aeon_ships_each_series_last_six_years_its_test(name: str) -> None:
    data = load_data(DataSpec(task="sequence", dataset=name))
    assert data.input_shape == (6, 1) and data.kind == "regression"
    assert (len(data.train), len(data.val), len(data.test)) == (1279, 1064, 1086)
    assert data.notes[0].startswith("181 series of 15 to 58 yearly steps")


def test_an_aeon_series_with_a_gap_is_refused_in_one_line(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nas.data import timeseries
    from nas.errors import DataError

    pytest.importorskip("aeon", reason="aeon is not installed (pip install 'nas[ucr]')")
    broken = tmp_path / "Airline.csv"
    broken.write_text("Date,Passengers\n" + "".join(f"1949-{i:02d},{100 + i}\n" for i in range(1, 20)) + "1950-08,\n")
    monkeypatch.setattr(timeseries, "_aeon_file", lambda folder, file: broken)
    with pytest.raises(DataError, match="--dataset airline: .*Airline.csv is not one complete column of numbers"):
        load_data(DataSpec(task="sequence", dataset="airline"))
