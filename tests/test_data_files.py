"""The user's own data files: each format loads, and every bad-data case is a one-line DataError
naming the file. The tests write their own small files. How text tables are read as they ship
(no header row, separators, encodings, number formats): tests/test_data_text_tables.py."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError


def write_pngs(folder: Path, count: int, size: tuple[int, int] = (8, 8), mode: str = "L", seed: int = 0) -> None:
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(count):
        shape = (size[1], size[0]) + ((3,) if mode == "RGB" else ())
        Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8), mode).save(folder / f"{i}.png")


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.write_text("\n".join([",".join(header)] + [",".join(map(str, r)) for r in rows]) + "\n")
    return path


def table_rows(n: int = 40, seed: int = 0) -> list[list[object]]:
    rng = np.random.default_rng(seed)
    colours = ["red", "green", "blue"]
    return [[round(float(rng.normal()), 3), colours[i % 3], int(rng.integers(0, 100)), "yes" if i % 2 else "no"]
            for i in range(n)]


def spec(path: Path, task: str, **kw: object) -> DataSpec:
    return DataSpec(task=task, path=str(path), **kw)


# ---- formats that load -------------------------------------------------------------------------

def test_image_folder_loads_rgb_when_any_image_is_colour(tmp_path: Path) -> None:
    write_pngs(tmp_path / "cats", 5)
    write_pngs(tmp_path / "dogs", 5, mode="RGB", seed=1)
    data = load_data(spec(tmp_path, "image"))
    assert data.input_shape == (3, 8, 8)
    assert data.class_names == ["cats", "dogs"] and data.kind == "classification"
    assert sum(map(len, (data.train, data.val, data.test))) == 10


def test_image_folder_mixed_sizes_are_resized_to_the_median_or_image_size(tmp_path: Path) -> None:
    write_pngs(tmp_path / "a", 5, size=(8, 8))
    write_pngs(tmp_path / "b", 5, size=(12, 10))  # width 12, height 10
    data = load_data(spec(tmp_path, "image"))
    assert data.input_shape == (1, 9, 10)  # median height 9, width 10
    assert data.preprocessing["image_size"] == [9, 10]  # what predict resizes new images to
    assert any("images differ in size (height 8-10, width 8-12 pixels): all resized to 10x9, the median" in n
               for n in data.notes)
    data = load_data(spec(tmp_path, "image", image_size=6))
    assert data.input_shape == (1, 6, 6) and not data.notes


def test_npz_with_own_split_is_used_as_given(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    arrays = {f"{a}_{s}": (rng.normal(size=(n, 5)) if a == "X" else rng.integers(0, 2, n))
              for s, n in (("train", 30), ("val", 7), ("test", 9)) for a in ("X", "y")}
    np.savez(tmp_path / "d.npz", **arrays)
    data = load_data(spec(tmp_path / "d.npz", "tabular"))
    assert (len(data.train), len(data.val), len(data.test)) == (30, 7, 9)
    assert data.test.y.tolist() == arrays["y_test"].tolist()
    arrays.pop("X_test"), arrays.pop("y_test")
    np.savez(tmp_path / "v.npz", **arrays)
    data = load_data(spec(tmp_path / "v.npz", "tabular"))
    assert data.test.y.tolist() == data.val.y.tolist()
    assert "no X_test: the test metrics are computed on the validation split (X_val)" in data.notes


def test_npz_train_test_pair_keeps_its_test_and_validates_on_a_quarter_of_train(tmp_path: Path) -> None:
    """X_train/y_train with X_test/y_test and no X_val (a UCR set's official split, as most tools
    save it): the test rows stay exactly as given, a stratified quarter of X_train validates, and
    the seed moves which quarter."""
    rng = np.random.default_rng(0)
    y_train, y_test = np.repeat(["a", "b"], 20), np.array(["a", "b"] * 6)
    np.savez(tmp_path / "d.npz", X_train=rng.normal(size=(40, 1, 12)), y_train=y_train,
             X_test=rng.normal(size=(12, 1, 12)), y_test=y_test)
    data = load_data(spec(tmp_path / "d.npz", "sequence"))
    assert (len(data.train), len(data.val), len(data.test)) == (30, 10, 12)
    assert data.val.y.tolist().count(0) == 5  # stratified: half of each class
    assert data.class_names == ["a", "b"] and data.test.y.tolist() == [0, 1] * 6
    assert any("no X_val: a quarter of X_train, drawn by --seed, validates" in n for n in data.notes)
    other = load_data(spec(tmp_path / "d.npz", "sequence", seed=1))
    assert other.test.y.tolist() == data.test.y.tolist() and len(other.val) == 10
    assert other.preprocessing["mean"] != data.preprocessing["mean"]  # other training rows
    np.savez(tmp_path / "only.npz", X_train=np.zeros((20, 3)), y_train=np.arange(20) % 2)
    with pytest.raises(DataError, match=r"X_train, y_train with X_val, y_val and/or X_test, y_test \(found: X_train, y_train\)"):
        load_data(spec(tmp_path / "only.npz", "tabular"))


@pytest.mark.parametrize("shape, dtype, task", [((20, 1, 24), np.float32, "sequence"), ((20, 100, 6), np.float32, "sequence"),
                                                ((20, 6, 100), np.float32, "sequence"), ((20, 28, 28), np.float32, "image"),
                                                ((20, 16, 40), np.uint8, "image"), ((20, 16, 40), np.float32, None)])
def test_a_3d_npz_is_sequences_when_its_shape_cannot_be_images(tmp_path: Path, shape: tuple[int, ...], dtype: type,
                                                               task: str | None) -> None:
    """Without --task, N x 1 x 24 (aeon's layout of a univariate set) or one axis 4+ times the other
    is sequences; a square array (N x 28 x 28: Keras' mnist.npz) or one of bytes is images; an
    array that could be either (16 x 40 floats) asks for --task in one line."""
    from nas.data import infer_task

    np.savez(tmp_path / "d.npz", X=np.zeros(shape, dtype), y=np.arange(shape[0]) % 2)
    if task:
        assert infer_task(str(tmp_path / "d.npz"), None) == task
    else:
        with pytest.raises(UsageError, match=rf"N x {shape[1]} x {shape[2]} .*pass --task image or --task sequence"):
            infer_task(str(tmp_path / "d.npz"), None)


def _real_2d(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Real N x D arrays: UCR series bundled with aeon (one row a series), scikit-learn tables."""
    from sklearn import datasets

    if name in ("GunPoint", "ItalyPowerDemand"):
        pytest.importorskip("aeon", reason="aeon (the UCR sets it bundles) is not installed")
        from aeon.datasets import load_classification

        X, y = load_classification(name, split="train")
        return np.asarray(X, np.float32)[:, 0, :], np.asarray(y)
    loaded = getattr(datasets, f"load_{name}")()
    return loaded.data, loaded.target


@pytest.mark.parametrize("name, task", [("GunPoint", "sequence"), ("ItalyPowerDemand", "sequence"),
                                        ("breast_cancer", "tabular"), ("digits", "tabular"), ("wine", "tabular")])
def test_a_2d_npz_is_series_when_its_rows_look_like_series(tmp_path: Path, name: str, task: str) -> None:
    """Without --task, a UCR set saved as N x T is sequences (neighbouring columns move together);
    real tables, digits' 64 pixels among them, stay tables; the search says how it read the file."""
    from nas.data import infer_task

    X, y = _real_2d(name)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    assert infer_task(str(tmp_path / "d.npz"), None) == task
    data = load_data(spec(tmp_path / "d.npz", task))
    if task == "sequence":
        assert data.input_shape == (X.shape[1], 1)
        assert f"X of shape N x {X.shape[1]} read as series of {X.shape[1]} steps, one channel" in data.notes[0]
    else:
        assert data.input_shape == (X.shape[1],) and not data.notes


def _csv_of(X: np.ndarray, y: np.ndarray, path: Path) -> Path:
    header = ["label"] + [f"t{i}" for i in range(X.shape[1])]
    return write_csv(path, header, [[label, *map(float, row)] for label, row in zip(y, X)])


def test_a_csv_with_a_text_feature_beside_a_numeric_target_is_a_table(tmp_path: Path) -> None:
    """Columns that move together (Ecdat's PatentsHGH: patents and R&D of years in a row) beside a
    text feature: with a numeric --target the text column is a feature, so the file is a table,
    not series with a text label (it was refused: "column 'scisect' is text"). Without --target
    the text column may be the label, and the file stays series."""
    from nas.data import infer_task

    X, y = _real_2d("GunPoint")
    header = ["hand", *(f"t{i}" for i in range(X.shape[1]))]
    path = write_csv(tmp_path / "gun.csv", header, [[("left", "right")[int(label) - 1], *map(float, row)]
                                                      for label, row in zip(y, X)])
    assert infer_task(str(path), None) == "sequence"
    assert infer_task(str(path), None, "t149") == "tabular"
    data = load_data(spec(path, "tabular", target="t149"))
    assert data.kind == "regression" and list(data.preprocessing["categories"]) == ["hand"]


def test_a_csv_of_series_with_a_label_column_is_one_series_per_row(tmp_path: Path) -> None:
    """A UCR set exported as a CSV (label, then the steps): without --task its rows look like series,
    and the sequence task reads them as T steps of one channel; `nas predict` reads new rows alike."""
    from nas.data import infer_task
    from nas.data.inputs import load_inputs

    X, y = _real_2d("GunPoint")
    path = _csv_of(X, y, tmp_path / "gun.csv")
    assert infer_task(str(path), None) == "sequence"
    data = load_data(spec(path, "sequence", target="label"))
    assert data.input_shape == (150, 1) and data.class_names == ["1", "2"]
    assert any("each row read as a series of 150 steps, one channel" in n for n in data.notes)
    new = write_csv(tmp_path / "new.csv", [f"t{i}" for i in range(150)], [list(map(float, row)) for row in X[:3]])
    inputs, ids = load_inputs(new, data.describe())
    assert inputs.shape == (3, 150, 1) and ids == ["0", "1", "2"]
    Xb, yb = _real_2d("breast_cancer")
    assert infer_task(str(_csv_of(Xb, yb, tmp_path / "bc.csv")), None) == "tabular"
    named = write_csv(tmp_path / "named.csv", ["label", "site"] + [f"t{i}" for i in range(150)],
                      [[f"class {label}", "ab"[i % 2], *map(float, row)] for i, (label, row) in enumerate(zip(y, X))])
    assert infer_task(str(named), None) == "tabular"  # a text feature besides the text label: a table
    texts = write_csv(tmp_path / "texts.csv", ["label"] + [f"t{i}" for i in range(150)],
                      [[f"class {label}", *map(float, row)] for label, row in zip(y, X)])
    assert infer_task(str(texts), None) == "sequence"  # class names as text: still one series per row


def test_a_csv_that_cannot_be_one_series_per_row_is_refused_in_one_line(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    short = _csv_of(rng.normal(size=(30, 4)), np.arange(30) % 2, tmp_path / "short.csv")
    with pytest.raises(UsageError, match=r"4 numeric column\(s\) besides 'label', too few .*pass --window W"):
        load_data(spec(short, "sequence", target="label"))
    unnamed = write_csv(tmp_path / "unnamed.csv", ["grade"] + [f"t{i}" for i in range(20)],
                        [[i % 2, *map(float, rng.normal(size=20))] for i in range(30)])
    with pytest.raises(UsageError, match=r"needs --window W .* or --target T \(one series per row"):
        load_data(spec(unnamed, "sequence"))
    rows = [[i % 2, *map(float, rng.normal(size=20))] for i in range(30)]
    empty = write_csv(tmp_path / "empty.csv", ["label"] + [f"t{i}" for i in range(20)],
                      [r if i != 4 else [r[0]] + [""] * 20 for i, r in enumerate(rows)])  # a gap is filled (test_data_gaps)
    with pytest.raises(DataError, match=r"empty.csv: series 5 has no values \(every step is missing\)"):
        load_data(spec(empty, "sequence", target="label"))
    text = write_csv(tmp_path / "text.csv", ["label", "site"] + [f"t{i}" for i in range(20)],
                     [[r[0], "ab"[i % 2], *r[1:]] for i, r in enumerate(rows)])
    with pytest.raises(DataError, match=r"column 'site' is text; the columns of a series"):
        load_data(spec(text, "sequence", target="label"))


def test_npz_array_names_in_other_case_are_read_as_nas_names(tmp_path: Path) -> None:
    """Keras' mnist.npz (x_train, y_train, x_test, y_test) and MNIST-1D's dict (x, y, x_test,
    y_test, and arrays nas does not read) load as they are saved, and predict reads x_test."""
    from nas.data.inputs import load_inputs

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "keras.npz", x_train=rng.integers(0, 255, (40, 8, 8), dtype=np.uint8),
             y_train=np.arange(40) % 2, x_test=rng.integers(0, 255, (12, 8, 8), dtype=np.uint8), y_test=np.arange(12) % 2)
    data = load_data(spec(tmp_path / "keras.npz", "image"))
    assert data.input_shape == (1, 8, 8) and len(data.test) == 12 and len(data.train) + len(data.val) == 40
    inputs, _ = load_inputs(tmp_path / "keras.npz", data.describe())
    assert inputs.shape == (12, 1, 8, 8)
    np.savez(tmp_path / "m1d.npz", x=rng.normal(size=(40, 20)), y=np.arange(40) % 3, t=np.arange(20),
             x_test=rng.normal(size=(9, 20)), y_test=np.arange(9) % 3)
    data = load_data(spec(tmp_path / "m1d.npz", "tabular"))
    assert data.input_shape == (20,) and len(data.test) == 9


def test_npz_of_a_saved_scikit_learn_bunch_reads_data_and_target(tmp_path: Path) -> None:
    """`np.savez(path, data=d.data, target=d.target)` is how a scikit-learn set is saved as it comes;
    two candidates for X are ambiguous and refused with what the file holds."""
    from sklearn.datasets import load_wine

    d = load_wine()
    np.savez(tmp_path / "wine.npz", data=d.data, target=d.target, feature_names=np.array(d.feature_names))
    data = load_data(spec(tmp_path / "wine.npz", "tabular"))
    assert data.input_shape == (13,) and data.out_dim == 3 and sum(map(len, (data.train, data.val, data.test))) == 178
    np.savez(tmp_path / "two.npz", data=d.data, features=d.data, labels=d.target)
    with pytest.raises(DataError, match=r"expected arrays X and y.*found: data, features, y"):
        load_data(spec(tmp_path / "two.npz", "tabular"))


def test_npz_images_without_channel_axis_and_regression_target(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "d.npz", X=rng.random((20, 6, 6)), y=rng.normal(size=20))
    data = load_data(spec(tmp_path / "d.npz", "image"))
    assert data.input_shape == (1, 6, 6) and data.kind == "regression" and data.metric == "rmse"


def test_csv_table_one_hot_uses_training_categories_only(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    data = load_data(spec(path, "tabular", target="label"))
    prep = data.preprocessing
    assert prep["columns"] == ["x", "n"] and prep["categories"] == {"colour": ["blue", "green", "red"]}
    assert data.input_shape == (5,) and data.class_names == ["no", "yes"]
    train = data.train.X.numpy()
    assert np.allclose(train[:, :2].mean(axis=0), 0, atol=1e-5)  # numeric: standardised on train
    assert set(np.unique(train[:, 2:])) <= {0.0, 1.0}  # one-hot: left as 0/1


def test_csv_series_windows_split_in_time_order(tmp_path: Path) -> None:
    rows = [[f"2020-01-{i:02d}", float(i), float(i % 7)] for i in range(1, 31)]
    path = write_csv(tmp_path / "s.csv", ["date", "value", "other"], rows)
    data = load_data(spec(path, "sequence", target="value", window=5))
    assert data.input_shape == (5, 2) and data.kind == "regression"
    assert sum(map(len, (data.train, data.val, data.test))) == 25
    mean, std = data.target_scale
    test_y = data.test.y.numpy() * std + mean
    assert np.allclose(test_y, np.arange(26, 31))  # the last windows are tested: the future


# ---- bad data: one line naming the file --------------------------------------------------------

def test_missing_cells_of_a_table_are_filled_with_training_medians(workdir: Path, run_cli) -> None:
    """Blank, NA and ? cells of a feature column are missing: filled with the column's median over
    the training rows (stored as `fill`), in training and in `nas predict` alike, also when a text
    column's one-hot indicators follow the numbers."""
    from sklearn.datasets import load_breast_cancer

    bc = load_breast_cancer()
    X, y = bc.data[:, :4], bc.target
    cells = [[f"{v:.4f}" for v in row] + [("red", "green", "blue")[i % 3]] for i, row in enumerate(X)]
    for i, token in ((3, ""), (10, "NA"), (25, "?"), (40, "nan")):
        cells[i][1] = token
    header = ["a", "b", "c", "d", "colour"]
    path = write_csv(workdir / "bc.csv", [*header, "label"], [c + [int(t)] for c, t in zip(cells, y)])
    data = load_data(spec(path, "tabular", target="label"))
    fill = data.preprocessing["fill"]
    assert len(fill) == 4 and data.input_shape == (7,)
    assert "4 missing cell(s) in 'b' filled with their column's median over the training rows" in data.notes
    cells[7][3] = ""
    two = write_csv(workdir / "two.csv", [*header, "label"], [c + [int(t)] for c, t in zip(cells, y)])
    assert "5 missing cell(s) in 'b' (4), 'd' (1) filled with their column's median over the training rows" \
        in load_data(spec(two, "tabular", target="label")).notes
    assert np.isfinite(np.concatenate([s.X.numpy() for s in (data.train, data.val, data.test)])).all()
    result = run_cli("search", "--data", path, "--target", "label", "--trials", 1, "--epochs", 2, "--cv", 1, "-q")
    assert result.exit_code == 0, result.stderr
    assert run_cli("export", "--out", "bundle").exit_code == 0
    blank = write_csv(workdir / "new.csv", header, [cells[0][:1] + [""] + cells[0][2:]])
    given = write_csv(workdir / "given.csv", header, [cells[0][:1] + [repr(fill[1])] + cells[0][2:]])
    answers = [run_cli("predict", "bundle", f, "--format", "json") for f in (blank, given)]
    assert all(a.exit_code == 0 for a in answers), answers[0].stderr
    first, second = (json.loads(a.stdout)[0] for a in answers)
    assert (first["class"], first["probability"]) == (second["class"], second["probability"])


def test_rows_without_a_target_and_id_columns_are_left_out_and_said(workdir: Path, run_cli) -> None:
    """A real export (a name per row, some rows not yet labelled) trains on what it can: rows whose
    target is missing are left out, a text column of more than 100 values (an id, not a category)
    is ignored, the search says both when it starts, and `nas predict` reads the same file whole."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    rows = [[f"patient {i}", ("a", "b")[i % 2], *(f"{v:.5f}" for v in x[:3]), f"{t:.0f}"]
            for i, (x, t) in enumerate(zip(X[:150], y[:150]))]
    for i in (5, 17, 60):
        rows[i][-1] = ("", "NA", "?")[i % 3]
    path = write_csv(workdir / "d.csv", ["name", "group", "age", "sex", "bmi", "progression"], rows)
    data = load_data(spec(path, "tabular", target="progression"))
    assert sum(len(s.y) for s in (data.train, data.val, data.test)) == 147
    assert data.preprocessing["columns"] == ["age", "sex", "bmi"] and list(data.preprocessing["categories"]) == ["group"]
    assert data.notes == ("3 of 150 rows left out: their target 'progression' is missing",
                          "text column 'name' ignored: 147 distinct values (an id or free text, not a category)")
    result = run_cli("search", "--data", path, "--target", "progression", "--trials", 1, "--epochs", 2, "--cv", 1)
    assert result.exit_code == 0, result.stderr
    assert "data: 3 of 150 rows left out" in result.stdout and "data: text column 'name' ignored" in result.stdout
    assert run_cli("export", "--out", "bundle").exit_code == 0
    answer = run_cli("predict", "bundle", path, "--format", "json")
    assert answer.exit_code == 0, answer.stderr
    assert len(json.loads(answer.stdout)) == 150
    empty = write_csv(workdir / "e.csv", ["name", "progression"], [[f"p{i}", ""] for i in range(20)])
    with pytest.raises(DataError, match="column 'progression' has no values"):
        load_data(spec(empty, "tabular", target="progression"))


def test_load_data_without_a_task_takes_the_one_the_file_implies(tmp_path: Path) -> None:
    """The library as a script uses it: `load_data(DataSpec(path=..., target=...))`, no task, as
    `nas search --data` needs none."""
    path = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows())
    data = load_data(DataSpec(task=None, path=str(path), target="label"))
    assert data.kind == "classification" and len(data.train) + len(data.val) + len(data.test) == 40
