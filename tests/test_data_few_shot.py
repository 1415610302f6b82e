"""Classes with few training rows, and many classes, when the test split is given (the UCR
archive's PigCVP: 52 classes of 2 training rows; Adiac, FiftyWords, ShapesAll: 37 to 60 classes;
ECG5000: a class of 2 rows in 500): read as classes, kept, and cut into training and validation."""
from __future__ import annotations

import csv
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from nas.data import DataSpec, load_data, make_folds, max_folds
from nas.data._split import holdout_indices


def _gunpoint() -> np.ndarray:
    pytest.importorskip("aeon", reason="aeon (the UCR sets it bundles) is not installed: pip install 'nas[ucr]'")
    from aeon.datasets import load_classification

    return load_classification("GunPoint")[0][:, 0, :]  # 200 real series of 150 steps


def test_a_ucr_folder_of_many_classes_of_two_rows_is_read_as_classes(tmp_path: Path) -> None:
    """An archive folder (labels first, no header) of 25 classes with 2 training rows each: the
    first column is the labels (more than 20 integers, each seen twice, before a row of steps),
    the classes all kept, validation drawn one row from 13 of them (every class keeps a row to
    train on), the 100 test rows scored as given; two folds each validate every class."""
    X = _gunpoint()
    folder = tmp_path / "Pigs"
    folder.mkdir()
    labels = np.arange(150) % 25 + 1
    np.savetxt(folder / "Pigs_TRAIN.tsv", np.column_stack([labels[:50], X[:50]]), delimiter="\t", fmt="%g")
    np.savetxt(folder / "Pigs_TEST.tsv", np.column_stack([labels[50:], X[50:150]]), delimiter="\t", fmt="%g")
    data = load_data(DataSpec(task=None, path=str(folder)).resolved())
    assert (data.task, data.kind, len(data.class_names)) == ("sequence", "classification", 25)
    assert (len(data.train), len(data.val), len(data.test)) == (37, 13, 100)
    assert set(data.train.y.tolist()) == set(range(25)) and len(set(data.val.y.tolist())) == 13
    assert data.test.y.tolist() == [data.class_names.index(str(c)) for c in labels[50:]]
    assert max_folds(data) == 2


def test_text_labels_of_an_npz_are_classes_however_many(tmp_path: Path) -> None:
    """aeon's `load_classification` gives labels as text ('1' to '25'): classes, even past the 20
    integers a number column may hold as classes; the same labels saved as integers stay a number."""
    X = _gunpoint()[:, None, :]
    text = np.array([str(i % 25 + 1) for i in range(200)])
    np.savez(tmp_path / "text.npz", X_train=X[:150], y_train=text[:150], X_test=X[150:], y_test=text[150:])
    np.savez(tmp_path / "ints.npz", X_train=X[:150], y_train=text[:150].astype(int), X_test=X[150:],
             y_test=text[150:].astype(int))
    data = load_data(DataSpec(task=None, path=str(tmp_path / "text.npz")).resolved())
    assert data.kind == "classification" and len(data.class_names) == 25
    assert load_data(DataSpec(task=None, path=str(tmp_path / "ints.npz")).resolved()).kind == "regression"


def test_a_rare_class_of_a_training_file_with_a_test_file_is_kept(tmp_path: Path) -> None:
    """A CSV whose third class has 2 training rows, beside a test file that holds it: the class is
    kept (alone, 60/20/20, it is left out, said), its test rows scored; a class of one training row
    trains and does not make the study a holdout one (the other classes, of 40 rows, allow 40 folds)."""
    from sklearn.datasets import load_wine

    wine = load_wine()
    names = [str(n) for n in wine.feature_names]
    rows = {c: np.flatnonzero(wine.target == c) for c in range(3)}

    def write(path: Path, index: np.ndarray) -> Path:
        with path.open("w", newline="") as f:
            csv.writer(f).writerows([[*names, "label"], *([*wine.data[i], f"c{wine.target[i]}"] for i in index)])
        return path

    for rare in (2, 1):
        train = write(tmp_path / f"train{rare}.csv", np.concatenate([rows[0][:40], rows[1][:40], rows[2][:rare]]))
        test = write(tmp_path / "test.csv", np.concatenate([rows[0][40:], rows[1][40:], rows[2][rare:]]))
        alone = load_data(DataSpec(task="tabular", path=str(train)))
        assert alone.class_names == ["c0", "c1"] and any("left out: fewer than 3" in note for note in alone.notes)
        data = load_data(DataSpec(task="tabular", path=str(train), test_path=str(test)))
        assert data.class_names == ["c0", "c1", "c2"] and len(data.test) == len(wine.target) - 80 - rare
        assert 2 in data.train.y.tolist()  # a rare class always keeps a training row
        assert max_folds(data) == {2: 2, 1: 40}[rare]  # a class of 2 rows validates in each of 2 folds
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # scikit-learn's "least populated class" warning is not the user's
            folds = make_folds(data, min(5, max_folds(data)), seed=0)
        assert sum(len(f.val) for f in folds) == len(data.train) + len(data.val)


def test_a_holdout_of_classes_too_small_for_scikit_learn_is_drawn_by_the_seed() -> None:
    """52 classes of 2 rows, a quarter to validate (26 rows, fewer than the classes): one row of 26
    classes validates, the same for the same seed; each class keeps a training row; all classes of
    a single row cannot validate anything: one line."""
    from nas.errors import DataError

    y = np.concatenate([np.repeat(np.arange(52), 2), np.repeat(np.arange(52), 4)])
    test = np.arange(104, len(y))
    train, val, given = holdout_indices(y, test, 0.25, True, seed=0)
    assert (len(train), len(val)) == (78, 26) and given.tolist() == test.tolist()
    assert set(y[train]) == set(range(52)) and len(set(y[val])) == 26
    assert holdout_indices(y, test, 0.25, True, seed=0)[1].tolist() == val.tolist()
    assert holdout_indices(y, test, 0.25, True, seed=1)[1].tolist() != val.tolist()
    with pytest.raises(DataError, match="cannot hold out validation rows: each of the 3 classes has a single training row"):
        holdout_indices(np.array([0, 1, 2, 0]), np.array([3]), 0.25, True, seed=0)


def test_a_column_named_label_holds_classes_however_many(tmp_path: Path) -> None:
    """A table whose `label` column holds 30 integers (each many times) is classes, said with the
    flag for the other reading; the same column named `score` is a number (more than 20 integers:
    nas.data.tables.looks_like_classes), and `--kind regression` reads `label` as one."""
    from sklearn.datasets import load_digits

    d = load_digits()
    label = d.target[:600] * 3 + np.arange(600) % 3  # 30 classes of 20 rows: a coarser label refined by three
    for name in ("label", "score"):
        with (tmp_path / f"{name}.csv").open("w", newline="") as f:
            csv.writer(f).writerows([[*(f"p{i}" for i in range(64)), name],
                                     *([*row, int(c)] for row, c in zip(d.data[:600], label))])
    data = load_data(DataSpec(task="tabular", path=str(tmp_path / "label.csv")))
    assert data.kind == "classification" and len(data.class_names) == 30
    assert "target 'label' read as 30 classes (its name says so; `--kind regression` reads it as a number)" in data.notes
    assert load_data(DataSpec(task="tabular", path=str(tmp_path / "score.csv"), target="score")).kind == "regression"
    as_number = load_data(DataSpec(task="tabular", path=str(tmp_path / "label.csv"), kind="regression"))
    assert as_number.kind == "regression" and not any("read as 30 classes" in note for note in as_number.notes)


def test_more_classes_than_test_rows_are_split_class_by_class(tmp_path: Path, workdir: Path, run_cli) -> None:
    """No test file, 26 classes of 4 rows (104 rows: 21 to test, fewer than the classes; Stat2Data's
    RepeatedPulse by day has this shape): scikit-learn's stratified split refuses, so the split is
    drawn class by class: every class keeps training rows, 21 classes test one row each, said in a
    `data:` line; the same rows for the same seed; the search runs."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    rows = np.concatenate([np.flatnonzero(digits.target == c)[:4] for c in range(10)])
    # 26 classes of 4 real digit images: the 10 digits' first 4, then 16 more groups of the next rows
    X = np.concatenate([digits.data[rows], digits.data[100:164]])
    y = np.concatenate([[f"c{c}" for c in digits.target[rows]], [f"g{i // 4}" for i in range(64)]])
    path = tmp_path / "many.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([[*(f"p{i}" for i in range(64)), "label"], *([*x, t] for x, t in zip(X, y))])
    data = load_data(DataSpec(task="tabular", path=str(path)))
    assert (len(data.train), len(data.val), len(data.test)) == (62, 21, 21)
    assert len(set(data.train.y.tolist())) == 26 and len(set(data.test.y.tolist())) == 21
    assert any(note.startswith("5 of the 26 classes have no test row") for note in data.notes)
    again = load_data(DataSpec(task="tabular", path=str(path)))
    assert torch.equal(again.test.X, data.test.X) and torch.equal(again.val.X, data.val.X)
    result = run_cli("search", "--data", str(path), "--trials", "1", "--epochs", "1")
    assert result.exit_code == 0, result.stderr
    assert "data: 5 of the 26 classes have no test row" in result.stdout
