"""A table's text columns: a column of more than 100 values is a category when its values repeat
(a panel's country, a team), its frequent values one-hot; an id or free text is still ignored."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import load_data
from tests.test_data_files import spec


def _digits_by_writer(path: Path, rows: int = 1797) -> Path:
    """scikit-learn's digits as a table of 8 pixels, the digit, and three text columns: `writer`
    (120 values, each in about 15 rows: a panel's entity), `sheet` (a different code in each row:
    an id) and `note` (150 values, nearly all seen once or twice: free text)."""
    from sklearn.datasets import load_digits

    frame = load_digits(as_frame=True).frame.iloc[:rows, [18, 19, 20, 21, 26, 27, 28, 29, -1]]
    frame.insert(0, "writer", [f"w{(i * 7) % 120}" for i in range(len(frame))])
    frame.insert(1, "sheet", [f"s{i}" for i in range(len(frame))])
    frame.insert(2, "note", [f"n{i % 150}" if i < 200 else f"m{i}" for i in range(len(frame))])
    frame.to_csv(path, index=False)
    return path


def test_a_text_column_of_many_repeated_values_is_a_category(tmp_path: Path) -> None:
    """gapminder's 142 countries of 12 years each were ignored as an id (more than 100 values);
    they repeat, so they are a category: each value in 5 training rows or more an indicator."""
    data = load_data(spec(_digits_by_writer(tmp_path / "writers.csv"), "tabular", target="target"))
    said = "text column 'writer' has 120 distinct values that repeat: a category, one indicator for each value in 5 training rows or more"
    assert any(note.startswith(said) for note in data.notes), data.notes
    assert "text column 'sheet' ignored: 1797 distinct values (an id or free text, not a category)" in data.notes
    assert "text column 'note' ignored: 1747 distinct values (an id or free text, not a category)" in data.notes
    levels = data.preprocessing["categories"]["writer"]
    assert set(data.preprocessing["categories"]) == {"writer"} and 100 < len(levels) <= 120
    assert data.train.X.shape[1] == 8 + len(levels)
    hot = data.train.X[:, 8:].numpy()
    assert set(np.unique(hot.sum(axis=1))) <= {0.0, 1.0} and (hot.sum(axis=0) >= 5).all()  # the frequent ones only


def test_rare_values_of_a_many_valued_column_get_no_indicator_and_the_cap_keeps_the_most_frequent(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A value seen in fewer than 5 training rows is all zeros, as an unseen one is; above
    MAX_LEVELS values the most frequent are kept (scikit-learn's min_frequency and max_categories)."""
    import nas.data.categories as categories

    values = np.array([f"c{i:03d}" for i in range(110) for _ in range(6)] + [f"r{i}" for i in range(40)])
    train = np.arange(len(values))
    assert categories.fit_categories({"c": values}, train)["c"] == [f"c{i:03d}" for i in range(110)]
    few = np.array(["a"] * 3 + ["b"] * 2)  # 100 values or fewer: every one seen, as before
    assert categories.fit_categories({"c": few}, np.arange(5))["c"] == ["a", "b"]
    monkeypatch.setattr(categories, "MAX_LEVELS", 50)
    skewed = np.concatenate([values, np.repeat([f"c{i:03d}" for i in range(50)], 3)])
    assert categories.fit_categories({"c": skewed}, np.arange(len(skewed)))["c"] == [f"c{i:03d}" for i in range(50)]
    hot = categories.one_hot({"c": np.array(["c000", "r1", "zzz"])}, {"c": ["c000", "c001"]}, 3)
    assert hot.tolist() == [[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]]


def test_a_study_stored_before_many_valued_categories_keeps_its_reading(workdir: Path, run_cli,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A table searched when a text column of more than 100 values was ignored keeps that reading
    (its data spec has no `many_categories`): export and a resumed search read its data as stored,
    not with 120 indicators more (refused as changed data); a new study reads the category."""
    import nas.data.categories as categories
    import nas.data.csv_file as csv_file
    from tests.test_data_dates import _resumed_and_fresh, _searched_by_an_older_nas

    path = _digits_by_writer(workdir / "writers.csv", rows=900)
    with monkeypatch.context() as old_nas:  # the reading before: more than 100 values is an id
        old_nas.setattr(csv_file, "id_like", lambda values, repeats=True: categories.id_like(values, False))
        name = _searched_by_an_older_nas(run_cli, path, "target", "many_categories")
    _resumed_and_fresh(run_cli, path, "target", name, "text column 'writer' has 120 distinct values that repeat")


def test_rows_beside_a_text_column_of_many_repeated_values_are_a_table(tmp_path: Path) -> None:
    """tidyr's who holds 56 counts by age and sex per country and year: its rows looked like
    series of 56 steps once `country` (218 values) was left out as an id. A text column of values
    that repeat is a feature, so the file is a table; beside an id (a name per row) rows of
    series are still series."""
    import pandas as pd

    pytest.importorskip("aeon", reason="aeon (the UCR sets it bundles) is not installed")
    from aeon.datasets import load_classification

    from nas.data.files import infer_task

    X, y = load_classification("ItalyPowerDemand")  # 1,096 series of 24 hours
    frame = pd.DataFrame(np.asarray(X)[:, 0, :], columns=[f"h{i}" for i in range(24)]).assign(label=y)
    frame.insert(0, "id", [f"day{i}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "days.csv", index=False)
    assert infer_task(str(tmp_path / "days.csv"), None, "label") == "sequence"
    frame["id"] = [f"site{i % 101}" for i in range(len(frame))]  # 101 sites of about 11 days each
    frame.to_csv(tmp_path / "sites.csv", index=False)
    assert infer_task(str(tmp_path / "sites.csv"), None, "label") == "tabular"
