"""Built-in datasets match what `nas datasets` says about them; baseline and metrics are scored
on the same split as the trials."""
from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from nas.data import BUILTINS, DataSpec, load_data


def _available(name: str) -> bool:
    return BUILTINS[name].extra is None or importlib.util.find_spec("statsmodels") is not None


@pytest.mark.parametrize("name", [n for n in BUILTINS if _available(n)])
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


def test_series_builtin_without_statsmodels_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from nas.errors import DataError

    monkeypatch.setitem(sys.modules, "statsmodels", None)  # import statsmodels -> ImportError
    monkeypatch.setitem(sys.modules, "statsmodels.api", None)
    with pytest.raises(DataError, match=r"sunspots.*pip install 'nas\[series\]'"):
        load_data(DataSpec(task="sequence", dataset="sunspots"))
