"""Bad data files refused in one line that names the file and what is wrong (nas.errors.DataError,
UsageError for flags that do not fit the data): nothing is guessed, nothing stored."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError
from tests.test_data_files import spec, table_rows, write_csv, write_pngs


def _error(exc: pytest.ExceptionInfo[BaseException], path: Path) -> str:
    message = str(exc.value)
    assert "\n" not in message and str(path) in message
    return message


@pytest.mark.parametrize("name", ["missing.csv", "missing_folder"])
def test_missing_path(tmp_path: Path, name: str) -> None:
    with pytest.raises(DataError, match="no such file") as exc:
        load_data(spec(tmp_path / name, "tabular", target="y"))
    _error(exc, tmp_path / name)


def test_empty_file_and_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "e.csv").write_text("")
    with pytest.raises(DataError, match="empty") as exc:
        load_data(spec(tmp_path / "e.csv", "tabular", target="y"))
    _error(exc, tmp_path / "e.csv")
    (tmp_path / "imgs").mkdir()
    with pytest.raises(DataError, match="empty"):
        load_data(spec(tmp_path / "imgs", "image"))


def test_class_folder_with_too_few_images(tmp_path: Path) -> None:
    write_pngs(tmp_path / "a", 5)
    write_pngs(tmp_path / "b", 1)
    with pytest.raises(DataError, match="has 1 image") as exc:
        load_data(spec(tmp_path, "image"))
    _error(exc, tmp_path / "b")


def test_unreadable_image(tmp_path: Path) -> None:
    write_pngs(tmp_path / "a", 4)
    write_pngs(tmp_path / "b", 4)
    (tmp_path / "b" / "broken.png").write_bytes(b"not a png")
    with pytest.raises(DataError, match="unreadable image") as exc:
        load_data(spec(tmp_path, "image"))
    _error(exc, tmp_path / "b" / "broken.png")


def test_npz_length_mismatch_and_nan(tmp_path: Path) -> None:
    np.savez(tmp_path / "m.npz", X=np.zeros((20, 3)), y=np.zeros(19))
    with pytest.raises(DataError, match="20 rows but y has 19") as exc:
        load_data(spec(tmp_path / "m.npz", "tabular"))
    _error(exc, tmp_path / "m.npz")
    X = np.ones((20, 3))
    X[4, 1] = np.inf
    np.savez(tmp_path / "n.npz", X=X, y=np.arange(20) % 2)
    with pytest.raises(DataError, match=r"n.npz: X contains infinite values$"):
        load_data(spec(tmp_path / "n.npz", "tabular"))
    images = np.ones((20, 8, 8))
    images[3, 2, 2] = np.nan  # a missing pixel has no reading (a table's cell or a series' step has)
    np.savez(tmp_path / "i.npz", X=images, y=np.arange(20) % 2)
    with pytest.raises(DataError, match=r"i.npz: X contains NaN \(missing\) values; only a table's cells"):
        load_data(spec(tmp_path / "i.npz", "image"))


def test_csv_infinite_feature_names_column_and_row(tmp_path: Path) -> None:
    rows = table_rows()
    rows[3][0] = "inf"
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], rows)
    with pytest.raises(DataError, match=r"column 'x' has an infinite value \(data row 4\)") as exc:
        load_data(spec(path, "tabular", target="label"))
    _error(exc, path)


def test_too_few_rows_for_the_split(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows(6))
    with pytest.raises(DataError, match="only 6 rows") as exc:
        load_data(spec(path, "tabular", target="x"))
    _error(exc, path)
    series = write_csv(tmp_path / "s.csv", ["v"], [[i] for i in range(12)])
    with pytest.raises(DataError, match="only 7 windows"):
        load_data(spec(series, "sequence", target="v", window=5))


def test_flags_that_do_not_fit_the_data(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    with pytest.raises(UsageError, match="--image-size"):
        load_data(spec(path, "tabular", target="label", image_size=8))
    with pytest.raises(UsageError, match="--window"):
        load_data(spec(path, "sequence", target="x"))
    with pytest.raises(UsageError, match="--target"):
        load_data(DataSpec(task="tabular", dataset="wine", target="x"))
    with pytest.raises(UsageError, match="--data and --dataset"):
        load_data(DataSpec(task="tabular", dataset="wine", path=str(path), target="label"))
