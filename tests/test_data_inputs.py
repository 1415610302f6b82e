"""Prediction inputs: a new CSV / npz is encoded exactly as the training split was."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.data._split import split_indices
from nas.data.inputs import load_inputs
from nas.errors import DataError
from tests.test_data_files import table_rows, write_csv


def test_csv_with_categories_replays_training_encoding(tmp_path: Path) -> None:
    rows = table_rows()
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], rows)
    data = load_data(DataSpec(task="tabular", path=str(path), target="label", seed=0))
    info = data.describe()
    # Re-reading the training file (without its target column) gives the same model inputs.
    X, names = load_inputs(path, info)
    labels = np.array([r[3] for r in rows])
    rows_of = np.concatenate(split_indices(labels, True, 0))  # row index of each training-data row
    full = np.concatenate([s.X.numpy() for s in (data.train, data.val, data.test)])
    assert X.shape == (40, 5) and len(names) == 40
    assert np.allclose(X[rows_of], full, atol=1e-5)
    # A colour never seen in training is all zeros in the one-hot block, not an error.
    new = write_csv(tmp_path / "new.csv", ["colour", "n", "x"], [["purple", 5, 0.1], ["red", 5, 0.1]])
    Xn, _ = load_inputs(new, info)
    assert Xn[0, 2:].tolist() == [0.0, 0.0, 0.0] and Xn[1, 2:].tolist() == [0.0, 0.0, 1.0]


def test_a_column_of_iso_dates_is_a_feature_read_alike_for_prediction(tmp_path: Path) -> None:
    """A table's date column (ISO 8601) holds a value per row: as text it would be an id and left
    out. It is one number, the year with its fraction, said in a note; a new file's dates are read
    the same way (a cell that is not one: one line), and dates in another notation stay text."""
    rng = np.random.default_rng(0)
    days = [f"{1990 + i // 12}-{1 + i % 12:02d}-01" for i in range(60)]
    rows = [[d, f"{v:.3f}", f"{1990 + i / 12 + v:.4f}"] for i, (d, v) in enumerate(zip(days, rng.normal(size=60)))]
    path = write_csv(tmp_path / "prices.csv", ["date", "noise", "price"], rows)
    data = load_data(DataSpec(task="tabular", path=str(path), target="price", seed=0))
    assert data.preprocessing["columns"] == ["date", "noise"]
    assert "column 'date' read as dates, each as its year with the fraction gone (1990.000 to 1994.915)" in data.notes
    info = data.describe()
    X, _ = load_inputs(path, info)
    full = np.concatenate([s.X.numpy() for s in (data.train, data.val, data.test)])
    assert np.allclose(np.sort(X[:, 0]), np.sort(full[:, 0]), atol=1e-5)  # the same standardised years
    new = write_csv(tmp_path / "new.csv", ["date", "noise"], [["2001-07-02", "0.1"], ["2002-01-01 12:00", "0.2"]])
    Xn, _ = load_inputs(new, info)
    mean, std = data.preprocessing["mean"][0], data.preprocessing["std"][0]
    assert Xn[:, 0] * std + mean == pytest.approx([2001 + 182 / 365, 2002 + 0.5 / 365], abs=1e-3)
    bad = write_csv(tmp_path / "bad.csv", ["date", "noise"], [["2001-07-02", "0.1"], ["soon", "0.1"]])
    with pytest.raises(DataError, match="column 'date' is not numeric \\(value 'soon'\\)"):
        load_inputs(bad, info)
    us = write_csv(tmp_path / "us.csv", ["date", "noise", "price"], [[f"{1 + i % 12:02d}/01/{1990 + i // 12}", *r[1:]]
                                                                      for i, r in enumerate(rows)])
    assert "date" not in load_data(DataSpec(task="tabular", path=str(us), target="price")).preprocessing["columns"]


def test_csv_missing_feature_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    info = load_data(DataSpec(task="tabular", path=str(path), target="label")).describe()
    bad = write_csv(tmp_path / "bad.csv", ["x", "n"], [[1, 2]])
    with pytest.raises(DataError, match="missing column.*colour"):
        load_inputs(bad, info)


def test_a_file_without_header_of_another_width_says_what_the_model_reads(tmp_path: Path) -> None:
    """Rows without a header row are mapped by position only when they are exactly the model's
    columns; the training rows with their target kept (one column too many) or one column short
    are refused in one line that says so, not as 'missing' columns named by the first row's numbers."""
    rng = np.random.default_rng(0)
    rows = [[f"{v:.3f}" for v in rng.normal(size=4)] for _ in range(40)]
    path = write_csv(tmp_path / "t.csv", ["a", "b", "c", "y"], rows)
    info = load_data(DataSpec(task="tabular", path=str(path), target="y", seed=0)).describe()
    exact = tmp_path / "exact.csv"
    exact.write_text("".join(",".join(r[:3]) + "\n" for r in rows[:5]))
    assert load_inputs(exact, info)[0].shape == (5, 3)
    for name, cut in [("wide.csv", 4), ("narrow.csv", 2)]:
        (tmp_path / name).write_text("".join(",".join(r[:cut]) + "\n" for r in rows[:5]))
        with pytest.raises(DataError, match=f"{name}: no header row and {cut} columns; the model reads 3 "
                                            r"\(a, b, c\): give exactly those in order, or a header row naming them"):
            load_inputs(tmp_path / name, info)


def test_series_csv_gives_one_window_per_step_including_the_next(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["date", "value"], [[f"d{i}", float(i)] for i in range(30)])
    data = load_data(DataSpec(task="sequence", path=str(path), target="value", window=4))
    recent = write_csv(tmp_path / "recent.csv", ["date", "value"], [[f"d{i}", float(i)] for i in range(30, 36)])
    X, names = load_inputs(recent, data.describe())
    assert X.shape == (3, 4, 1)  # one window a step, the last one forecasting past the file's end:
    assert names == ["date d34", "date d35", "date after d35"]  # named by the time training read
    del data.preprocessing["time"]  # a bundle written before forecasts were named by time
    assert load_inputs(recent, data.describe())[1] == ["step 4", "step 5", "step 6"]
    mean, std = data.preprocessing["mean"][0], data.preprocessing["std"][0]
    assert np.allclose(X[-1, :, 0] * std + mean, [32, 33, 34, 35], atol=1e-4)


def test_npz_images_without_channel_axis(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", X=rng.random((20, 6, 6)), y=np.arange(20) % 2)
    info = load_data(DataSpec(task="image", path=str(tmp_path / "d.npz"))).describe()
    np.savez(tmp_path / "new.npz", X=rng.random((3, 6, 6)))
    X, _ = load_inputs(tmp_path / "new.npz", info)
    assert X.shape == (3, 1, 6, 6)
    # a file saved with its own split predicts its X_test; one with neither array is refused by name
    np.savez(tmp_path / "split.npz", X_train=rng.random((5, 6, 6)), X_test=rng.random((4, 6, 6)), y_test=np.zeros(4))
    X, ids = load_inputs(tmp_path / "split.npz", info)
    assert X.shape == (4, 1, 6, 6) and ids == ["0", "1", "2", "3"]
    np.savez(tmp_path / "none.npz", X_train=rng.random((5, 6, 6)))
    with pytest.raises(DataError, match=r"none.npz: no array named 'X' or 'X_test' \(found: X_train\)"):
        load_inputs(tmp_path / "none.npz", info)


def _ucr(name: str) -> tuple[np.ndarray, np.ndarray]:
    """A UCR / UEA set's official train split as aeon loads it: (N, channels, steps)."""
    pytest.importorskip("aeon", reason="aeon (the UCR / UEA sets it bundles) is not installed")
    from aeon.datasets import load_classification

    X, y = load_classification(name, split="train")
    return np.asarray(X, np.float32), np.asarray(y)


@pytest.mark.parametrize("name, steps, channels", [("GunPoint", 150, 1), ("BasicMotions", 100, 6)])
def test_sequences_in_aeons_layout_are_read_as_steps_of_channels(tmp_path: Path, name: str, steps: int,
                                                                 channels: int) -> None:
    """The issue's own recipe (an NPZ straight from aeon's `load_classification`) is (N, C, T):
    read as T steps of C channels, exactly like the same series saved as (N, T, C) or, for one
    channel, (N, T); the search says how it read the file. Read as (N, 1 step, T features) it
    had made every sequence model a table model (GunPoint: 0.87 instead of 0.99)."""
    X, y = _ucr(name)
    layouts = {"aeon": X, "keras": X.transpose(0, 2, 1)}
    if channels == 1:
        layouts["flat"] = X[:, 0, :]
    loaded = {}
    for layout, arrays in layouts.items():
        np.savez(tmp_path / f"{layout}.npz", X=arrays, y=y)
        loaded[layout] = load_data(DataSpec(task="sequence", path=str(tmp_path / f"{layout}.npz")))
    assert {d.input_shape for d in loaded.values()} == {(steps, channels)}
    assert len({d.fingerprint() for d in loaded.values()}) == 1
    assert loaded["aeon"].notes == (f"X of shape N x {channels} x {steps} read as {steps} steps of {channels} channel(s) "
                                    f"(N x C x T, aeon's layout; --layout steps reads it the other way)",)
    assert loaded["keras"].notes == (f"X of shape N x {steps} x {channels} read as {steps} steps of {channels} channel(s) "
                                     f"(N x T x F, Keras's layout; --layout channels reads it the other way)",)
    # nas predict reads a new file as the training file was read (its layout is in the preprocessing)
    inputs = [load_inputs(tmp_path / f"{layout}.npz", {"task": "sequence", "input_shape": [steps, channels],
                                                       "preprocessing": loaded[layout].preprocessing})[0]
              for layout in layouts]
    assert all(np.array_equal(inputs[0], x) for x in inputs)


def test_layout_flag_reads_short_windows_of_many_features(tmp_path: Path, run_cli) -> None:
    """Windows of fewer steps than features (5 steps of 12 sensors, N x T x F) would be read the
    other way by shape; `--layout steps` says how, is stored, and `nas predict` replays it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 5, 12)).astype(np.float32)
    y = (X[:, -1, 0] > 0).astype(np.int64)
    np.savez(tmp_path / "w.npz", X=X, y=y)
    by_shape = load_data(DataSpec(task="sequence", path=str(tmp_path / "w.npz")))
    given = load_data(DataSpec(task="sequence", path=str(tmp_path / "w.npz"), layout="steps"))
    assert by_shape.input_shape == (12, 5) and given.input_shape == (5, 12) and given.notes == ()
    assert given.preprocessing["layout"] == "steps"
    bad = run_cli("search", "--data", tmp_path / "w.npz", "--task", "sequence", "--layout", "rows")
    assert bad.exit_code == 2 and "--layout: unknown layout 'rows'" in bad.stderr
    table = run_cli("search", "--data", tmp_path / "w.npz", "--task", "tabular", "--layout", "steps")
    assert table.exit_code == 2 and "--layout: applies to sequences" in table.stderr
    info = {"task": "sequence", "input_shape": [5, 12], "preprocessing": given.preprocessing}
    np.savez(tmp_path / "new.npz", X=X[:4])
    assert load_inputs(tmp_path / "new.npz", info)[0].shape == (4, 5, 12)
