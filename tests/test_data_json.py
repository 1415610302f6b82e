"""JSON tables (nas.data.json_file): JSON Lines and the shapes pandas' `to_json` writes read as
the CSV of the same table, in `nas search`, `--test-data` and `nas predict`; what is not a table
is one line. The tests write their own files from scikit-learn's wine with the json module."""
from __future__ import annotations

import csv
import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.data.inputs import read_inputs
from nas.errors import DataError
from tests.test_data_files import spec

CLASSES = {0: "barolo", 1: "grignolino", 2: "barbera"}


def _wine() -> tuple[list[str], list[list[object]]]:
    """wine's names and rows: a text class, a boolean, a gap (None) in one column."""
    from sklearn.datasets import load_wine

    data = load_wine()
    names = [*data.feature_names, "organic", "cultivar"]
    rows = [[*(None if i % 13 == 0 and j == 2 else float(v) for j, v in enumerate(x)), i % 3 == 0, CLASSES[int(y)]]
            for i, (x, y) in enumerate(zip(data.data, data.target))]
    return names, rows


def _write_shapes(folder: Path, names: list[str], rows: list[list[object]]) -> dict[str, Path]:
    """The table as JSON Lines (also gzipped) and as each orient of pandas' to_json (its keys and nesting)."""
    records = [dict(zip(names, row)) for row in rows]
    index = [str(i) for i in range(len(rows))]
    documents = {
        "records": records,
        "columns": {n: {i: r[n] for i, r in zip(index, records)} for n in names},  # pandas' default
        "index": {i: r for i, r in zip(index, records)},
        "split": {"columns": names, "index": list(range(len(rows))), "data": rows},
        "table": {"schema": {"fields": [], "primaryKey": ["index"], "pandas_version": "1.4.0"},
                  "data": [{"index": i, **r} for i, r in enumerate(records)]},
        "api": {"data": records, "meta": {"source": "sklearn"}},
        "lists": {n: [r[n] for r in records] for n in names},
    }
    paths = {}
    for shape, document in documents.items():
        paths[shape] = folder / f"wine_{shape}.json"
        paths[shape].write_text(json.dumps(document))
    paths["lines"] = folder / "wine.jsonl"
    paths["lines"].write_text("\n".join(json.dumps(r) for r in records) + "\n")
    paths["lines_json"] = folder / "wine_lines.json"  # pandas' to_json(lines=True) to a .json name
    paths["lines_json"].write_text(paths["lines"].read_text())
    paths["gzip"] = folder / "wine.jsonl.gz"  # compressed, as dumps are shared
    paths["gzip"].write_bytes(gzip.compress(paths["lines"].read_bytes()))
    return paths


def test_every_json_shape_reads_as_the_csv_of_the_same_table(tmp_path: Path) -> None:
    """JSON Lines, a list of records and pandas' orients give the CSV's columns, notes and
    tensors (the text class, the boolean as a 0/1 feature, the gap imputed alike); a JSON file
    is a `--test-data` file and `nas predict` reads its rows as the CSV's."""
    names, rows = _wine()
    with open(tmp_path / "wine.csv", "w", newline="") as f:
        csv.writer(f).writerows([names, *[["" if v is None else v for v in row] for row in rows]])
    theirs = load_data(spec(tmp_path / "wine.csv", "tabular", target="cultivar"))
    assert theirs.class_names == sorted(CLASSES.values()) and theirs.input_shape == (15,)  # 13 measures, organic, ash's gap flag
    for shape, path in _write_shapes(tmp_path, names, rows).items():
        ours = load_data(spec(path, "tabular", target="cultivar"))
        said = ["the row index pandas stored (index) ignored"] if shape == "table" else \
            ["rows read from the file's list 'data'"] if shape == "api" else []
        assert list(ours.notes) == said + list(theirs.notes), shape
        assert ours.class_names == theirs.class_names and ours.input_shape == theirs.input_shape, shape
        for a, b in ((ours.train, theirs.train), (ours.val, theirs.val), (ours.test, theirs.test)):
            assert np.array_equal(a.X.numpy(), b.X.numpy()) and np.array_equal(a.y.numpy(), b.y.numpy()), shape
    info = theirs.describe()
    assert np.array_equal(read_inputs(tmp_path / "wine.jsonl", info).X, read_inputs(tmp_path / "wine.csv", info).X)
    (tmp_path / "train.jsonl").write_text("\n".join(json.dumps(dict(zip(names, r))) for r in rows[:140]))
    (tmp_path / "test.json").write_text(json.dumps([dict(zip(names, r)) for r in rows[140:]]))
    given = load_data(DataSpec(task="tabular", path=str(tmp_path / "train.jsonl"), test_path=str(tmp_path / "test.json"),
                               target="cultivar"))
    assert len(given.test) == len(rows) - 140


def test_rows_without_names_are_columns_by_position_and_a_missing_name_is_a_gap(tmp_path: Path) -> None:
    """pandas' orient="values" (lists, no names) names columns 0, 1, ... as a CSV without a header
    row is, so `--target 4` picks the fifth; a name absent from some rows is a missing cell there."""
    from sklearn.datasets import load_iris

    iris = load_iris()
    (tmp_path / "iris.json").write_text(json.dumps([[*map(float, x), iris.target_names[y]] for x, y in zip(iris.data, iris.target)]))
    data = load_data(spec(tmp_path / "iris.json", "tabular", target="4"))
    assert data.class_names == list(iris.target_names) and data.input_shape == (4,)
    assert "rows without names: columns named 0 to 4 by position" in data.notes
    by_row = {str(i): {str(j): v for j, v in enumerate([*map(float, x), iris.target_names[y]])}
              for i, (x, y) in enumerate(zip(iris.data, iris.target))}  # orient="index" of that frame: numbered both ways
    (tmp_path / "index.json").write_text(json.dumps(by_row))
    indexed = load_data(spec(tmp_path / "index.json", "tabular", target="4"))
    assert indexed.class_names == list(iris.target_names) and indexed.input_shape == (4,)
    assert "rows and columns both numbered: the 150 outer keys read as rows, the 5 inner ones as columns " \
           "(pandas' orient='index')" in indexed.notes
    rows = [{"x": (i * 13) % 17 + 0.5, "y": "a" if i % 2 else "b"} | ({} if i % 10 == 3 else {"z": (i * 7) % 11}) for i in range(60)]
    (tmp_path / "gaps.jsonl").write_text("\n".join(map(json.dumps, rows)))
    (tmp_path / "gaps.csv").write_text("x,y,z\n" + "".join(f"{r['x']},{r['y']},{r.get('z', '')}\n" for r in rows))
    ours, theirs = (load_data(spec(tmp_path / f"gaps.{suffix}", "tabular", target="y")) for suffix in ("jsonl", "csv"))
    assert ours.input_shape == theirs.input_shape == (2,)  # x and z, its gaps filled as the CSV's
    assert np.array_equal(ours.train.X.numpy(), theirs.train.X.numpy())


@pytest.mark.parametrize("name, text, said", [
    ("ints.json", "[1, 2, 3]", "ints.json: a list of int values, not of rows (objects of named values)"),
    ("scalar.json", "42", "scalar.json: holds a int, not a table (rows of named values)"),
    ("rows.jsonl", '{"a": 1, "t": 0}\n[2, 1]\n', "rows.jsonl: line 2 holds a list, not an object of named values"),
    ("broken.jsonl", '{"a": 1, "t": 0}\n{"a": \n', "broken.jsonl: line 2 is not JSON (Expecting value)"),
    ("cut.json", '{"a": [1, 2', "cut.json: not JSON (Expecting ',' delimiter: line 1 column 12 (char 11))"),
    ("nested.jsonl", '{"a": {"b": 1}, "t": 0}\n{"a": {"b": 2}, "t": 1}\n',
     "nested.jsonl: column 'a' holds dict values; nas reads columns of numbers, text and booleans (one value per row)"),
    ("ragged.json", '{"a": [1, 2, 3], "t": [0, 1]}', "ragged.json: columns of different lengths (a: 3, t: 2)"),
    ("empty.jsonl", "\n\n", "empty.jsonl: the table has no rows"),
])
def test_json_that_is_not_a_table_is_one_line(tmp_path: Path, name: str, text: str, said: str) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(DataError) as error:
        load_data(spec(tmp_path / name, "tabular", target="t"))
    assert str(error.value) == f"{tmp_path}/{said}"


def test_a_json_lines_table_is_searched_exported_and_predicted(tmp_path: Path, workdir: Path, run_cli) -> None:
    """The user's path end to end: `nas search --data wine.jsonl` (no --task, no --target: the
    table and its `cultivar` column are found), export, and `nas predict` on a JSON file scored
    against its labels."""
    names, rows = _wine()
    names[-1] = "target"
    paths = _write_shapes(tmp_path, names, rows)
    result = run_cli("search", "--data", paths["lines"], "--trials", "2", "--epochs", "2", "--no-refit")
    assert result.exit_code == 0, result.stderr
    assert "starting study 'tabular-wine'" in result.stdout
    bundle = tmp_path / "bundle"
    assert run_cli("export", "--study", "tabular-wine", "--out", bundle).exit_code == 0
    predicted = run_cli("predict", bundle, paths["records"])
    assert predicted.exit_code == 0, predicted.stderr
    assert "scored against the file's column 'target' (178 rows): accuracy" in predicted.stderr
