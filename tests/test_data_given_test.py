"""--test-data: a second file whose rows are the test split, scored as given (a benchmark's
TEST file beside its TRAIN file), read exactly as --data is."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest
import torch

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([header, *rows])
    return path


@pytest.fixture
def wine_pair(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """scikit-learn's wine as train.csv (the first 128 rows, shuffled) and test.csv (50 rows) with
    text labels and its columns in another order."""
    from sklearn.datasets import load_wine

    d = load_wine()
    order = np.random.default_rng(0).permutation(len(d.target))
    X, y = d.data[order], np.array(["barolo", "grignolino", "barbera"])[d.target[order]]
    names = [str(n) for n in d.feature_names]
    train = _write(tmp_path / "train.csv", [*names, "label"], [[*row, label] for row, label in zip(X[:128], y[:128])])
    moved = names[::-1]
    test = _write(tmp_path / "test.csv", ["label", *moved],
                  [[label, *row[::-1]] for row, label in zip(X[128:], y[128:])])
    return train, test, X, y


def spec(train: Path, test: Path | None, **kw: object) -> DataSpec:
    return DataSpec(task="tabular", path=str(train), test_path=str(test) if test else None, **kw)


def test_the_test_files_rows_are_the_test_split_and_a_quarter_of_train_validates(wine_pair) -> None:
    train, test, X, y = wine_pair
    data = load_data(spec(train, test))
    alone = load_data(spec(train, None))
    assert len(data.test) == 50 and len(data.train) + len(data.val) == 128 and len(data.val) == 32
    names = data.class_names
    assert [names[i] for i in data.test.y.tolist()] == list(y[128:])  # the file's rows, in its order, by label
    mean, std = (np.array(data.preprocessing[k]) for k in ("mean", "std"))
    assert np.allclose(data.test.X.numpy() * std + mean, X[128:], atol=1e-3)  # columns put back in training order
    assert data.preprocessing["columns"] == alone.preprocessing["columns"]
    assert data.notes[-1] == ("the 50 rows of test.csv are the test split as given; a quarter of --data's, "
                              "drawn by --seed, validates")
    header, *rows = list(csv.reader(test.open()))
    barbera = [r for r in rows if r[0] == "barbera"]
    rare = _write(test.parent / "rare.csv", header, [r for r in rows if r[0] != "barbera"] + barbera[:2])
    kept = load_data(spec(train, rare))
    assert len(kept.test) == len(rows) - len(barbera) + 2  # a class seen twice in a test file is scored, not left out
    other = load_data(spec(train, test, seed=1))
    assert torch.equal(other.test.y, data.test.y) and not torch.equal(other.val.y, data.val.y)  # the seed draws validation


def test_a_test_file_that_does_not_match_the_training_file_is_refused_in_one_line(wine_pair, tmp_path: Path) -> None:
    train, test, X, y = wine_pair
    header = next(csv.reader(test.open()))
    rows = list(csv.reader(test.open()))[1:]
    unseen = _write(tmp_path / "unseen.csv", header, [["nebbiolo" if i < 3 else r[0], *r[1:]] for i, r in enumerate(rows)])
    with pytest.raises(DataError, match=r"unseen.csv: class 'nebbiolo' \(3 test row\(s\)\) never appears in the training"):
        load_data(spec(train, unseen))
    answers = _write(tmp_path / "kaggle.csv", header[1:], [r[1:] for r in rows])  # the features alone
    with pytest.raises(DataError, match=r"kaggle.csv: no column 'label' to score the test rows against .*nas predict"):
        load_data(spec(train, answers))
    short = _write(tmp_path / "short.csv", header[:-1], [r[:-1] for r in rows])
    with pytest.raises(DataError, match=rf"short.csv: no column '{header[-1]}', which --data has"):
        load_data(spec(train, short))
    with pytest.raises(UsageError, match="--test-data: .* is not the same kind of file as --data"):
        load_data(spec(train, tmp_path))
    with pytest.raises(UsageError, match="--test-data: applies to --data files, not the built-in dataset 'wine'"):
        load_data(DataSpec(task="tabular", dataset="wine", test_path=str(test)))
    series = _write(tmp_path / "series.csv", ["v"], [[i % 7] for i in range(40)])
    with pytest.raises(DataError, match=r"test.csv: no column 'v'"):  # a series' test file continues the series
        load_data(DataSpec(task="sequence", path=str(series), target="v", window=4, test_path=str(test)))
    np.savez(tmp_path / "own.npz", X_train=X[:100], y_train=np.arange(100) % 3, X_test=X[100:], y_test=np.arange(78) % 3)
    np.savez(tmp_path / "plain.npz", X=X[100:], y=np.arange(78) % 3)
    with pytest.raises(UsageError, match="--test-data: .*own.npz holds its own split already"):
        load_data(spec(tmp_path / "own.npz", tmp_path / "plain.npz"))
    with pytest.raises(UsageError, match="--test-data: .*own.npz holds a split of its own"):
        load_data(spec(tmp_path / "plain.npz", tmp_path / "own.npz"))


def test_a_small_test_file_is_read_with_the_training_files_column_decisions(tmp_path: Path) -> None:
    """A test file of a few rows holds each category once, and its names differ in every row as
    the training file's do: the categories stay categories and the names stay ignored, as training
    decided, where reading the test file alone would decide otherwise."""
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    colours = ["red", "white", "rose", "orange"]
    rows = [[f"wine {i}", colours[i // 2 % 4], *x[:4], ("a", "b", "c")[t]] for i, (x, t) in enumerate(zip(X, y))]
    header = ["name", "colour", "alcohol", "malic", "ash", "alcalinity", "label"]
    train = _write(tmp_path / "train.csv", header, rows[1::2])  # 89 rows, 89 names
    test = _write(tmp_path / "test.csv", header, [rows[i] for i in (0, 62, 130, 132)])  # the 4 colours, the 3 classes
    data = load_data(spec(train, test))
    assert data.preprocessing["columns"] == ["alcohol", "malic", "ash", "alcalinity"]
    assert list(data.preprocessing["categories"]) == ["colour"]
    assert "text column 'name' ignored: a different name in each of its 89 rows (a name or an id, not a category)" in data.notes
    assert len(data.test) == 4 and data.test.X.shape[1] == data.train.X.shape[1] == 4 + 4
    assert data.test.X[:, 4:].sum().item() == 4  # each test row one-hot in the training categories


def test_npz_and_image_folder_pairs_read_the_test_like_the_training_data(tmp_path: Path) -> None:
    """An aeon-layout NPZ pair keeps --data's layout; a test image folder of another size and
    colour is read at the training folder's size and channels."""
    from PIL import Image
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "train.npz", X=rng.normal(size=(40, 2, 30)), y=np.arange(40) % 2)  # N x C x T
    np.savez(tmp_path / "test.npz", X=rng.normal(size=(12, 2, 30)), y=np.arange(12) % 2)
    data = load_data(DataSpec(task="sequence", path=str(tmp_path / "train.npz"), test_path=str(tmp_path / "test.npz")))
    assert data.input_shape == (30, 2) and len(data.test) == 12
    d = load_digits()
    for part, rows, size, mode in (("train", range(0, 60), 8, "L"), ("test", range(60, 90), 12, "RGB")):
        for i in rows:
            folder = tmp_path / part / str(d.target[i] % 2)
            folder.mkdir(parents=True, exist_ok=True)
            img = Image.fromarray((d.images[i] * 15).astype(np.uint8)).resize((size, size)).convert(mode)
            img.save(folder / f"{i}.png")
    images = load_data(DataSpec(task="image", path=str(tmp_path / "train"), test_path=str(tmp_path / "test")))
    assert images.input_shape == (1, 8, 8) and len(images.test) == 30
    assert "the 30 images of test are the test split as given" in images.notes[-1]
    odd = sorted((tmp_path / "test" / "1").iterdir())
    for extra in odd[1:]:
        extra.unlink()  # one image of a class: enough to test on, never split
    one = load_data(DataSpec(task="image", path=str(tmp_path / "train"), test_path=str(tmp_path / "test")))
    assert len(one.test) == 30 - len(odd) + 1 and one.test.y.tolist().count(1) == 1


def test_a_search_with_a_test_file_resumes_only_with_the_same_test_file(wine_pair, workdir: Path, run_cli) -> None:
    train, test, _, _ = wine_pair
    first = run_cli("search", "--data", train, "--test-data", test, "--trials", 1, "--epochs", 1, "--cv", 1)
    assert first.exit_code == 0, first.stderr
    assert "data: the 50 rows of test.csv are the test split as given" in first.stdout
    again = run_cli("search", "--data", train, "--test-data", test, "--trials", 2, "--epochs", 1, "--cv", 1)
    assert again.exit_code == 0 and "resuming study" in again.stdout
    other = run_cli("search", "--data", train, "--trials", 3, "--epochs", 1, "--cv", 1)
    assert other.exit_code == 2 and "created on different data" in other.stderr
    # the exported model scores itself on the test file's answers as the search did
    assert run_cli("export", "--out", "bundle", "--format", "state-dict").exit_code == 0
    shipped = re.search(r"test accuracy (\d\.\d{4})", again.stdout).group(1)
    predicted = run_cli("predict", "bundle", test)
    assert predicted.exit_code == 0 and len(predicted.stdout.splitlines()) == 51
    assert predicted.stderr.startswith(f"scored against the file's column 'label' (50 rows): accuracy {shipped}")


def _digit_folders(root: Path, parts: dict[str, range]) -> None:
    """scikit-learn's digits as PNGs, one folder per split, one sub-folder per class (0-9)."""
    from PIL import Image
    from sklearn.datasets import load_digits

    d = load_digits()
    for part, rows in parts.items():
        for i in rows:
            folder = root / part / str(d.target[i])
            folder.mkdir(parents=True, exist_ok=True)
            Image.fromarray((d.images[i] * 15).astype(np.uint8)).save(folder / f"{i}.png")


def test_a_folder_of_train_and_test_folders_keeps_its_split(tmp_path: Path) -> None:
    """Kaggle's layout, data/train/<class>/ and data/test/<class>/ (and val/): the test images are
    the test split as given, a validation folder validates, without one a quarter of train/ does,
    said in a data: line; a test class training never saw, two folders of one split and
    --test-data beside it are one line each. A folder of classes of which one is named 'train'
    is still a folder of classes."""
    _digit_folders(tmp_path / "pair", {"train": range(0, 300), "Test": range(300, 400)})
    data = load_data(DataSpec(task=None, path=str(tmp_path / "pair")).resolved())
    assert data.task == "image" and data.input_shape == (1, 8, 8) and len(data.class_names) == 10
    assert len(data.test) == 100 and len(data.train) + len(data.val) == 300 and len(data.val) >= 70
    assert data.notes[-1] == ("the folders train/ and Test/ are the split as given; no validation folder: a quarter of "
                              "train/, drawn by --seed, validates")
    _digit_folders(tmp_path / "three", {"train": range(0, 300), "val": range(300, 360), "test": range(360, 400)})
    three = load_data(DataSpec(task="image", path=str(tmp_path / "three")))
    assert (len(three.train), len(three.val), len(three.test)) == (300, 60, 40)
    from nas.data.inputs import read_inputs

    assert len(read_inputs(tmp_path / "three" / "test", three.describe()).X) == 40
    with pytest.raises(DataError, match=r"three: a folder of split folders \(test/, train/, val/\); pass the one to predict"):
        read_inputs(tmp_path / "three", three.describe())
    with pytest.raises(UsageError, match=r"--test-data: .*three holds its own split already \(its train / test folders\)"):
        load_data(DataSpec(task="image", path=str(tmp_path / "three"), test_path=str(tmp_path / "pair" / "Test")))
    _digit_folders(tmp_path / "twice", {"train": range(0, 100), "training": range(100, 200), "test": range(200, 230)})
    with pytest.raises(DataError, match=r"twice: two train folders \((train/ and training/|training/ and train/)\)"):
        load_data(DataSpec(task="image", path=str(tmp_path / "twice")))
    from sklearn.datasets import load_digits

    sevens = load_digits().target == 7
    _digit_folders(tmp_path / "new", {"train": [i for i in range(300) if not sevens[i]], "test": range(300, 400)})
    with pytest.raises(DataError, match=r"new/test/7: a class the training folder does not have \(0, 1, 2, 3, 4, 5, 6, 8, 9\)"):
        load_data(DataSpec(task="image", path=str(tmp_path / "new")))
    from tests.test_data_files import write_pngs

    write_pngs(tmp_path / "classes" / "train", 6)
    write_pngs(tmp_path / "classes" / "cat", 6, seed=1)
    assert load_data(DataSpec(task="image", path=str(tmp_path / "classes"))).class_names == ["cat", "train"]


def test_a_folder_as_the_ucr_archive_ships_it_is_its_train_and_test_files(tmp_path: Path) -> None:
    """The UCR archive's folder, `Name/Name_TRAIN.tsv` and `Name_TEST.tsv` (labels first, no
    header) beside a README, is read as --data and --test-data: series, the official test rows
    scored as given. Of a split in two formats one is read (.tsv before .txt), the other said not
    to be; a TRAIN file passed alone says its TEST file beside it is not read."""
    from sklearn.datasets import load_digits

    d = load_digits()
    rows = np.column_stack([d.target, d.data])[:400]
    folder = tmp_path / "Digits"
    folder.mkdir()
    np.savetxt(folder / "Digits_TRAIN.tsv", rows[:300], delimiter="\t", fmt="%g")
    np.savetxt(folder / "Digits_TEST.tsv", rows[300:], delimiter="\t", fmt="%g")
    np.savetxt(folder / "Digits_TRAIN.txt", rows[:300], fmt="%g")  # the old archive's whitespace format, the same rows
    (folder / "README.md").write_text("# Digits\nscikit-learn's digits, rows as series\n")
    data = load_data(DataSpec(task="sequence", path=str(folder)))
    assert data.name == "Digits" and data.input_shape == (64, 1)
    assert len(data.test) == 100 and len(data.train) + len(data.val) == 300
    assert data.test.y.tolist() == [data.class_names.index(str(c)) for c in d.target[300:400]]  # the test file's rows, in order
    assert "Digits_TRAIN.txt: not read (Digits_TRAIN.tsv trains, Digits_TEST.tsv tests: one file a split)" in data.notes
    assert data.notes[-1].startswith("the 100 rows of Digits_TEST.tsv are the test split as given")
    with pytest.raises(UsageError, match=r"--test-data: .*Digits holds its own split already \(its Digits_TRAIN.tsv\)"):
        load_data(DataSpec(task="sequence", path=str(folder), test_path=str(folder / "Digits_TEST.tsv")))
    alone = load_data(DataSpec(task="sequence", path=str(folder / "Digits_TRAIN.tsv")))
    assert len(alone.test) == 60  # a fifth of the 300 training rows
    assert alone.notes[-1] == ("Digits_TEST.tsv beside Digits_TRAIN.tsv is not read: pass it with --test-data "
                               "(or pass the folder) to test on it")
