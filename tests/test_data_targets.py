"""A table's target column: found without --target, its kind (classes or a regression) inferred
and said, rare classes left out, and a target that cannot be learned refused in one line."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import load_data
from nas.errors import DataError, UsageError
from tests.test_data_files import _csv_of, _real_2d, spec, table_rows, write_csv
from tests.test_data_refusals import _error


def test_csv_numeric_target_kind_inferred_and_overridden(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    assert load_data(spec(path, "tabular", target="x")).kind == "regression"
    assert load_data(spec(path, "tabular", target="n", kind="regression")).kind == "regression"


def test_integer_classes_are_said_with_the_flag_that_reads_a_number(tmp_path: Path) -> None:
    """A count (children, visits) and a coded category both read as classes when they are few
    integers; a search then scores accuracy, not RMSE. The user is told, with the flag that reads
    the other way; a yes/no 0-1 target, text labels and an explicit --kind are said nothing."""
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    rows = [[*np.round(x[:4], 3), int(c), "yes" if c else "no", int(c > 0)] for x, c in zip(X, y)]
    path = write_csv(tmp_path / "wine.csv", ["a", "b", "c", "d", "cultivar", "named", "binary"], rows)
    data = load_data(spec(path, "tabular", target="cultivar"))
    assert data.kind == "classification" and data.class_names == ["0", "1", "2"]
    note = "target 'cultivar' read as 3 classes (the integers 0 to 2); `--kind regression` reads it as a number"
    assert note in data.notes
    numbers = load_data(spec(path, "tabular", target="cultivar", kind="regression"))
    assert numbers.kind == "regression" and not any("read as" in n for n in numbers.notes)
    for target in ("named", "binary"):
        assert not any("classes" in n for n in load_data(spec(path, "tabular", target=target)).notes)
    headless = tmp_path / "wine.data"  # UCI's layout: no header, labels first; said once, as the labels
    headless.write_text("".join(f"{r[4] + 1}," + ",".join(map(str, r[:4])) + "\n" for r in rows))
    uci = load_data(spec(headless, "tabular"))
    assert uci.class_names == ["1", "2", "3"] and not any("read as 3 classes" in n for n in uci.notes)


def test_non_numeric_regression_target(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    with pytest.raises(DataError, match="not numeric.*regression") as exc:
        load_data(spec(path, "tabular", target="label", kind="regression"))
    _error(exc, path)
    with pytest.raises(DataError, match="not numeric.*regression"):
        load_data(spec(path, "sequence", target="colour", window=3))


def test_target_column_that_does_not_exist_names_nearest(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    with pytest.raises(DataError, match="no column 'lable'.*did you mean 'label'") as exc:
        load_data(spec(path, "tabular", target="lable"))
    _error(exc, path)
    unnamed = write_csv(tmp_path / "u.csv", ["x", "colour", "n", "kind"], table_rows())
    with pytest.raises(UsageError, match=r"--target: .*u.csv is a table; name its target column \(one of: x, colour, n, kind\)$"):
        load_data(spec(unnamed, "tabular"))


def test_a_target_named_with_the_headers_spaces_is_found(tmp_path: Path) -> None:
    """linearmodels' birthweight.csv writes `bwght, fatheduc,...`: nas reads the names stripped, and
    pandas shows them with the space, so `--target ' fatheduc'` (copied from df.columns) is that column."""
    path = tmp_path / "spaced.csv"
    path.write_text("x, colour,n, label\n" + "".join(",".join(map(str, r)) + "\n" for r in table_rows()))
    spaced = spec(path, "tabular", target=" label")
    assert spaced.target == "label"  # so the study stores, resumes and predicts by the file's name
    data = load_data(spaced)
    assert data.kind == "classification" and data.class_names == ["no", "yes"]


def test_the_question_for_a_target_shows_a_wide_files_last_columns(tmp_path: Path) -> None:
    """A target usually comes last (UCI, Kaggle, scikit-learn's frames): a wide file's question
    names its first and last columns and its width, not the first ten alone."""
    names = [f"f{i}" for i in range(13)] + ["cultivar"]
    wide = write_csv(tmp_path / "wide.csv", names, [[(i * 7 + j * 3) % 11 for j in range(13)] + [i % 3] for i in range(30)])
    with pytest.raises(UsageError, match=r"\(14 columns: f0, f1, f2, f3, f4, \.\.\., f9, f10, f11, f12, cultivar\)$"):
        load_data(spec(wide, "tabular"))


def test_without_target_a_conventionally_named_column_is_the_target(tmp_path: Path) -> None:
    """scikit-learn's frames end in `target`, Keras and UCR exports name it `label` or `class`: one
    such column (any case) is the target without --target, said in a note; two are ambiguous."""
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "Label"], table_rows())
    data = load_data(spec(path, "tabular"))
    given = load_data(spec(path, "tabular", target="Label"))
    assert data.preprocessing["target"] == "Label" and data.class_names == given.class_names
    assert data.notes == ("no --target: column 'Label' is the target (its name says so; --target picks another)",)
    assert data.preprocessing["columns"] == given.preprocessing["columns"] == ["x", "n"]
    two = write_csv(tmp_path / "two.csv", ["x", "y", "target"], [[i, i % 3, i % 2] for i in range(40)])
    with pytest.raises(UsageError, match="name its target column"):
        load_data(spec(two, "tabular"))
    series = write_csv(tmp_path / "s.csv", ["month", "passengers"], [[f"1949-{i}", 100 + i % 7] for i in range(40)])
    data = load_data(spec(series, "sequence", window=4))
    assert data.preprocessing["target"] == "passengers" and data.input_shape == (4, 1)
    assert data.notes == ("no --target: forecasting 'passengers', the file's one column of values over time "
                          "('month' read as the time)",)
    shops = write_csv(tmp_path / "shops.csv", ["shop", "sales"], [["ab"[i % 2], 100 + i % 7] for i in range(40)])
    data = load_data(spec(shops, "sequence", window=4))  # a category beside it: not one series, but --window says so
    assert data.notes == ("no --target: forecasting 'sales', the file's only numeric column",)
    X, y = _real_2d("GunPoint")
    rows = load_data(spec(_csv_of(X, y, tmp_path / "gun.csv"), "sequence"))
    assert rows.input_shape == (150, 1) and rows.preprocessing["target"] == "label"


def test_integer_targets_seen_once_are_measurements_not_classes(tmp_path: Path) -> None:
    """linnerud: 20 athletes' weights in whole pounds, most values once: a regression target;
    integers repeated at least 3 times (wine's 3 cultivars) stay classes."""
    from sklearn.datasets import load_linnerud, load_wine

    lin = load_linnerud()
    rows = [list(x) + [int(w)] for x, w in zip(lin.data, lin.target[:, 0])]
    weights = load_data(spec(write_csv(tmp_path / "lin.csv", ["chins", "situps", "jumps", "weight"], rows),
                             "tabular", target="weight"))
    assert weights.kind == "regression"
    wine = load_wine()
    rows = [list(x[:3]) + [int(c)] for x, c in zip(wine.data, wine.target)]
    assert load_data(spec(write_csv(tmp_path / "wine.csv", ["a", "b", "c", "cultivar"], rows), "tabular",
                          target="cultivar")).kind == "classification"


def test_classes_too_rare_to_split_are_left_out_and_said(tmp_path: Path) -> None:
    """UCI's ecoli has classes of 2 examples: a stratified 60/20/20 split needs 3 of each, so their
    rows are left out (said), and the other classes are renumbered; with under 2 common classes
    the split refuses the data in one line, and a target of a name per row (a dish, a date) is
    refused as not classes."""
    rows = [[i, ("a", "b", "c")[i % 3]] for i in range(30)] + [[100, "rare"], [101, "rare"], [102, "odd"]]
    path = write_csv(tmp_path / "t.csv", ["x", "label"], rows)
    data = load_data(spec(path, "tabular", target="label"))
    assert data.class_names == ["a", "b", "c"] and sum(len(s.y) for s in (data.train, data.val, data.test)) == 30
    assert data.notes == ("3 rows of class(es) 'odd' (1), 'rare' (2) left out: fewer than 3 examples each, "
                          "too few to split into train, validation and test",)
    assert sorted(set(data.train.y.tolist())) == [0, 1, 2]
    lonely = write_csv(tmp_path / "l.csv", ["x", "label"], [[i, "a"] for i in range(20)] + [[50, "b"], [51, "b"]])
    with pytest.raises(DataError, match="a class has only 2 example"):
        load_data(spec(lonely, "tabular", target="label"))
    names = write_csv(tmp_path / "n.csv", ["x", "dish"], [[i, f"dish {i}"] for i in range(30)] + [[31, "dish 3"]])
    with pytest.raises(DataError, match="column 'dish' holds 30 distinct values in 31 rows, fewer than 2 of them in 3 "
                                        "rows or more: not classes to learn"):
        load_data(spec(names, "tabular", target="dish"))
