"""ARFF files (Weka's, OpenML's and the UCR/UEA archives' format) load as they ship: a table with
its class last, nominal attributes and `?` cells; the UCR archive's univariate series, one per row;
the UEA archive's multivariate series (a relational attribute); new rows for predict."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_wine

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError


def _spec(path: Path, test: Path | None = None, **kw: object) -> DataSpec:
    return DataSpec(task=None, path=str(path), test_path=str(test) if test else None, **kw).resolved()


def _wine_arff(path: Path, missing: bool = False) -> Path:
    """scikit-learn's wine as Weka writes a table: numeric attributes, a nominal one, the class last
    under a name that does not say `class` (Weka's convention is its place)."""
    wine = load_wine()
    band = np.where(wine.data[:, 0] > 13.0, "high", "low")
    lines = ["% wine, as Weka would save it", "@relation wine", ""]
    lines += [f"@attribute '{name}' numeric" for name in wine.feature_names]
    lines += ["@attribute band {high,low}", "@attribute cultivar {c0,c1,c2}", "", "@data"]
    for i, (row, b, y) in enumerate(zip(wine.data, band, wine.target)):
        cells = [repr(float(v)) for v in row] + [b, f"c{y}"]
        if missing and i % 10 == 3:
            cells[1], cells[13] = "?", "?"
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path


def _wine_pair(folder: Path) -> tuple[Path, Path]:
    """train.arff and test.arff: every fifth row of wine tests (the file is sorted by class)."""
    lines = _wine_arff(folder / "all.arff").read_text().splitlines()
    start = lines.index("@data") + 1
    header, rows = lines[:start], lines[start:]
    (folder / "train.arff").write_text("\n".join(header + [r for i, r in enumerate(rows) if i % 5]) + "\n")
    (folder / "test.arff").write_text("\n".join(header + rows[::5]) + "\n")
    return folder / "train.arff", folder / "test.arff"


def _aeon_file(name: str, suffix: str, tmp_path: Path) -> Path:
    aeon = pytest.importorskip("aeon", reason=f"the ARFF files of {name} ship with aeon: pip install 'nas[ucr]'")
    return Path(shutil.copy(Path(aeon.__file__).parent / "datasets" / "data" / name / f"{name}_TRAIN{suffix}", tmp_path))


def test_a_weka_table_takes_its_last_attribute_as_the_target(tmp_path: Path) -> None:
    """The class is the last attribute without --target, said; a nominal attribute is one-hot like
    a CSV's text column; `?` cells are a CSV's empty cells (a number filled by the training median,
    a nominal value a category of its own); the numbers are the CSV's to the last digit (same
    split, same tensors)."""
    data = load_data(_spec(_wine_arff(tmp_path / "wine.arff", missing=True)))
    assert data.task == "tabular" and data.kind == "classification" and data.class_names == ["c0", "c1", "c2"]
    assert "no --target: 'cultivar', the last attribute, is the target (Weka's convention for an ARFF file" in " ".join(data.notes)
    assert data.input_shape == (16,)  # 13 numbers + band one-hot (missing, high, low)
    assert data.preprocessing["categories"] == {"band": ["", "high", "low"]}
    assert "fill" in data.preprocessing and np.isfinite(data.train.X.numpy()).all()
    wine = load_wine(as_frame=True).frame.rename(columns={"target": "cultivar"})
    wine.insert(13, "band", np.where(wine["alcohol"] > 13.0, "high", "low"))
    wine["cultivar"] = "c" + wine["cultivar"].astype(str)
    wine.to_csv(tmp_path / "wine.csv", index=False)
    arff = load_data(_spec(_wine_arff(tmp_path / "clean.arff")))
    csv = load_data(_spec(tmp_path / "wine.csv", target="cultivar"))
    assert np.array_equal(arff.train.X.numpy(), csv.train.X.numpy()) and np.array_equal(arff.test.y.numpy(), csv.test.y.numpy())
    assert load_data(_spec(tmp_path / "clean.arff", target="band")).class_names == ["high", "low"]


def test_ucr_and_uea_arff_files_are_series(tmp_path: Path) -> None:
    """GunPoint_TRAIN.arff (one series per row, class 'target' last) reads as 50 series of 150
    steps, as its .ts twin; BasicMotions_TRAIN.arff (a relational attribute: 6 channels per row)
    as 40 series of 100 steps x 6, the same numbers as the .ts file; a table task is refused."""
    gun = load_data(_spec(_aeon_file("GunPoint", ".arff", tmp_path)))
    gun_ts = load_data(_spec(_aeon_file("GunPoint", ".ts", tmp_path)))
    assert gun.task == "sequence" and gun.input_shape == (150, 1) and gun.class_names == ["1", "2"]
    assert np.allclose(gun.train.X.numpy(), gun_ts.train.X.numpy(), atol=1e-5)
    motions = load_data(_spec(_aeon_file("BasicMotions", ".arff", tmp_path)))
    motions_ts = load_data(_spec(_aeon_file("BasicMotions", ".ts", tmp_path)))
    assert motions.input_shape == (100, 6) and [c.lower() for c in motions.class_names] == motions_ts.class_names  # aeon's two files differ in case
    assert np.allclose(motions.train.X.numpy(), motions_ts.train.X.numpy(), atol=1e-5)
    with pytest.raises(UsageError, match=r"BasicMotions_TRAIN.arff is an ARFF file of series; use --task sequence"):
        load_data(DataSpec(task="tabular", path=str(tmp_path / "BasicMotions_TRAIN.arff")))


def test_an_arff_test_file_and_new_rows_for_predict(tmp_path: Path) -> None:
    """--test-data another ARFF: its rows are the test split; predict reads an ARFF by the training
    columns, its last attribute the answers."""
    from nas.data.inputs import read_inputs

    data = load_data(_spec(*_wine_pair(tmp_path)))
    assert (len(data.train) + len(data.val), len(data.test)) == (142, 36)
    read = read_inputs(tmp_path / "test.arff", data.describe())
    assert read.X.shape == (36, 15) and set(read.answers) <= {"c0", "c1", "c2"}


def test_string_attributes_and_sparse_rows_read_as_the_same_table(tmp_path: Path) -> None:
    """What scipy's reader refuses, OpenML's string attributes and sparse rows ({index value, ...},
    omitted cells 0 or a nominal attribute's first value), reads as the same table: wine written
    sparse (its zeros left out), and with a string attribute naming each row (ignored as a name
    per row, as in a CSV), gives the tensors of the dense file."""
    dense = load_data(_spec(_wine_arff(tmp_path / "dense.arff")))
    lines = (tmp_path / "dense.arff").read_text().splitlines()
    at = lines.index("@data")
    header, rows = lines[:at], lines[at + 1:]
    sparse_rows = []
    for i, row in enumerate(rows):
        cells = row.split(",")
        if i % 7 == 0:
            cells[4] = "0.0"  # a zero the sparse row leaves out
        kept = [f"{j} {c}" for j, c in enumerate(cells) if c not in ("0.0", "high")]  # high: the nominal default
        sparse_rows.append("{" + ", ".join(kept) + "}")
        rows[i] = ",".join(cells)
    (tmp_path / "zeros.arff").write_text("\n".join([*header, "@data", *rows]) + "\n")
    (tmp_path / "sparse.arff").write_text("\n".join([*header, "@data", *sparse_rows]) + "\n")
    at_class = header.index("@attribute cultivar {c0,c1,c2}")
    named = [*header[:at_class], "@attribute 'specimen id' string", *header[at_class:], "@data",
             *(f"{row.rsplit(',', 1)[0]},'wine no. {i}',{row.rsplit(',', 1)[1]}" for i, row in enumerate(rows))]
    (tmp_path / "named.arff").write_text("\n".join(named) + "\n")
    zeros = load_data(_spec(tmp_path / "zeros.arff"))
    for other in ("sparse", "named"):
        data = load_data(_spec(tmp_path / f"{other}.arff"))
        for a, b in ((data.train, zeros.train), (data.val, zeros.val), (data.test, zeros.test)):
            assert np.array_equal(a.X.numpy(), b.X.numpy()) and np.array_equal(a.y.numpy(), b.y.numpy()), other
    assert zeros.input_shape == dense.input_shape
    assert any("specimen id" in note for note in load_data(_spec(tmp_path / "named.arff")).notes)


def test_bad_arff_files_are_refused_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.arff"
    broken.write_text("@relation broken\n@attribute a numeric\n@attribute b {x,y}\n@data\n1,x\nabc,y\n")
    with pytest.raises(DataError, match=r"broken.arff: unreadable ARFF file \("):
        load_data(_spec(broken, target="b"))
    sparse = tmp_path / "sparse.arff"
    sparse.write_text("@relation s\n@attribute a numeric\n@attribute c {x,y}\n@data\n{0 1, 1 x}\n{0 abc}\n")
    with pytest.raises(DataError, match=r"sparse.arff: unreadable ARFF file \("):
        load_data(_spec(sparse))
    empty = tmp_path / "empty.arff"
    empty.write_text("@relation e\n@attribute a numeric\n@attribute c {x,y}\n@data\n")
    with pytest.raises(DataError, match=r"empty.arff: has a header but no data rows"):
        load_data(_spec(empty))
    with pytest.raises(DataError, match=r"missing.arff: no such file or folder"):
        load_data(_spec(tmp_path / "missing.arff"))


def test_the_cli_searches_exports_and_predicts_an_arff_pair(workdir: Path, run_cli) -> None:
    """`nas search --data train.arff --test-data test.arff` with no other data flag, then `nas
    predict` on the test ARFF scores the bundle against its last attribute; a broken ARFF is one
    `error:` line, exit 2."""
    _wine_pair(workdir)
    result = run_cli("search", "--data", "train.arff", "--test-data", "test.arff", "--trials", 1, "--epochs", 2, "--cv", 1)
    assert result.exit_code == 0, result.stderr
    assert "'cultivar', the last attribute, is the target" in result.stdout
    assert run_cli("export", "--out", "bundle").exit_code == 0
    scored = run_cli("predict", "bundle", "test.arff")
    assert scored.exit_code == 0, scored.stderr
    assert "scored against the file's column 'cultivar' (36 rows): accuracy" in scored.stderr
    (workdir / "bad.arff").write_text("@relation bad\n@attribute a numeric\n@attribute b {x,y}\n@data\n1,x\nabc,y\n")
    bad = run_cli("search", "--data", "bad.arff", "--trials", 1)
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "bad.arff: unreadable ARFF file" in bad.stderr
