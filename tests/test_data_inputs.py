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


def test_csv_missing_feature_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    info = load_data(DataSpec(task="tabular", path=str(path), target="label")).describe()
    bad = write_csv(tmp_path / "bad.csv", ["x", "n"], [[1, 2]])
    with pytest.raises(DataError, match="missing column.*colour"):
        load_inputs(bad, info)


def test_series_csv_gives_one_window_per_step_including_the_next(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "s.csv", ["date", "value"], [[f"d{i}", float(i)] for i in range(30)])
    data = load_data(DataSpec(task="sequence", path=str(path), target="value", window=4))
    recent = write_csv(tmp_path / "recent.csv", ["date", "value"], [[f"d{i}", float(i)] for i in range(30, 36)])
    X, names = load_inputs(recent, data.describe())
    assert X.shape == (3, 4, 1) and names[-1] == "step 6"  # the last window forecasts past the file's end
    mean, std = data.preprocessing["mean"][0], data.preprocessing["std"][0]
    assert np.allclose(X[-1, :, 0] * std + mean, [32, 33, 34, 35], atol=1e-4)


def test_npz_images_without_channel_axis(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", X=rng.random((20, 6, 6)), y=np.arange(20) % 2)
    info = load_data(DataSpec(task="image", path=str(tmp_path / "d.npz"))).describe()
    np.savez(tmp_path / "new.npz", X=rng.random((3, 6, 6)))
    X, _ = load_inputs(tmp_path / "new.npz", info)
    assert X.shape == (3, 1, 6, 6)


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
    assert loaded["aeon"].notes == (f"X of shape N x {channels} x {steps} read as N x channels x steps (aeon's layout): "
                                    f"{steps} steps of {channels} channel(s)",)
    assert loaded["keras"].notes == ()
    info = {"task": "sequence", "input_shape": [steps, channels], "preprocessing": loaded["aeon"].preprocessing}
    inputs = {layout: load_inputs(tmp_path / f"{layout}.npz", info)[0] for layout in layouts}
    assert all(np.array_equal(inputs["aeon"], x) for x in inputs.values())
