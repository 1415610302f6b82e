"""Images inside a Parquet file (nas.data.arrow_images), as the Hugging Face Hub ships an image
dataset: `image` a struct of PNG bytes and a path, `label` a ClassLabel whose names the schema
metadata holds, the train and test splits in two files. Read like an image folder in `nas search`,
`--test-data` and `nas predict`. The files are scikit-learn's digits, written the Hub's way."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError

pa = pytest.importorskip("pyarrow", reason="pyarrow (Parquet and Feather files) is not installed: pip install 'nas[parquet]'")

NAMES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def _png(pixels: np.ndarray, mode: str = "L") -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(pixels.astype(np.uint8)).convert(mode).save(out, format="PNG")
    return out.getvalue()


def hub_parquet(path: Path, rows: range | list[int], labels: list[int] | None = None, extra: dict | None = None,
                class_label: bool = True) -> None:
    """Digits `rows` as a Hub image dataset's Parquet file (the `datasets` library's layout)."""
    import pyarrow.parquet as pq
    from sklearn.datasets import load_digits

    d = load_digits()
    images = [{"bytes": _png(d.images[i] * 15), "path": f"{i}.png"} for i in rows]
    label = [int(d.target[i]) for i in rows] if labels is None else labels
    features = {"image": {"_type": "Image"}}
    if class_label:
        features["label"] = {"names": NAMES, "_type": "ClassLabel"}
    table = pa.table({"image": images, "label": label, **(extra or {})})
    pq.write_table(table.replace_schema_metadata({"huggingface": json.dumps({"info": {"features": features}})}), path)


def test_a_hub_image_dataset_reads_as_its_image_folder(tmp_path: Path) -> None:
    """The task is image without --task; the images, their size, the class names (the
    ClassLabel's) and the split are those of the same digits as a folder of PNGs; a test file is
    the test split as given, read at the training images' size; an unlabelled row (-1) is left out
    and a column beside the two is ignored, each said."""
    from tests.test_data_given_test import _digit_folders

    hub_parquet(tmp_path / "train.parquet", range(300))
    data = load_data(DataSpec(task=None, path=str(tmp_path / "train.parquet")).resolved())
    assert data.task == "image" and data.input_shape == (1, 8, 8) and data.class_names == sorted(NAMES)
    _digit_folders(tmp_path / "folder", {"all": range(300)})
    for folder in (tmp_path / "folder" / "all").iterdir():
        folder.rename(folder.with_name(NAMES[int(folder.name)]))
    same = load_data(DataSpec(task="image", path=str(tmp_path / "folder" / "all")))
    assert same.class_names == data.class_names
    for ours, theirs in ((data.train, same.train), (data.val, same.val), (data.test, same.test)):
        assert sorted(ours.y.tolist()) == sorted(theirs.y.tolist())  # one stratified split of the same labels
    from nas.data.arrow_images import load_arrow_images
    from nas.data.image_folder import load_image_folder

    rows = load_arrow_images(tmp_path / "train.parquet", DataSpec(task="image"))
    files = load_image_folder(tmp_path / "folder" / "all", None)
    assert sorted(map(bytes, rows.X.reshape(300, -1))) == sorted(map(bytes, files.X.reshape(300, -1)))  # the same pixels
    labels = [-1] + [int(v) for v in load_digits_targets(range(301, 400))]
    hub_parquet(tmp_path / "test.parquet", range(300, 400), labels=labels, extra={"source": ["scan"] * 100})
    given = load_data(DataSpec(task="image", path=str(tmp_path / "train.parquet"), test_path=str(tmp_path / "test.parquet")))
    assert len(given.test) == 99 and len(given.train) + len(given.val) == 300
    assert "--test-data: 1 of 100 rows left out: no image (its bytes, or a file at its path) or no label" in given.notes
    assert "--test-data: column(s) 'source' ignored: the inputs are the images of 'image', the labels 'label'" in given.notes
    assert "the 99 images of test.parquet are the test split as given" in given.notes[-1]


def test_images_by_path_and_a_feather_file_read_alike(tmp_path: Path) -> None:
    """A Hub dataset saved without embedding its files holds only each image's path (relative
    to the Parquet file's folder): the files are read; a path to nothing leaves its row out, said.
    The same table as Feather reads as the Parquet file does."""
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    hub_parquet(tmp_path / "embedded.parquet", range(100))
    table = pq.read_table(tmp_path / "embedded.parquet")
    (tmp_path / "png").mkdir()
    cells = []
    for i, cell in enumerate(table.column("image").to_pylist()):
        (tmp_path / "png" / f"{i}.png").write_bytes(cell["bytes"])
        cells.append({"bytes": None, "path": f"png/{i}.png" if i else "png/missing.png"})
    pq.write_table(table.set_column(0, "image", pa.array(cells)), tmp_path / "paths.parquet")
    feather.write_feather(table, tmp_path / "embedded.feather")
    embedded = load_data(DataSpec(task=None, path=str(tmp_path / "embedded.parquet")).resolved())
    paths = load_data(DataSpec(task=None, path=str(tmp_path / "paths.parquet")).resolved())
    assert "1 of 100 rows left out: no image (its bytes, or a file at its path) or no label" in paths.notes
    assert sum(map(len, (paths.train, paths.val, paths.test))) == 99 and paths.input_shape == embedded.input_shape
    arrow = load_data(DataSpec(task=None, path=str(tmp_path / "embedded.feather")).resolved())
    assert arrow.task == "image" and arrow.class_names == embedded.class_names
    assert np.array_equal(arrow.train.X.numpy(), embedded.train.X.numpy())


def load_digits_targets(rows: range) -> list[int]:
    from sklearn.datasets import load_digits

    return load_digits().target[list(rows)].tolist()


def test_a_hub_image_dataset_is_searched_exported_and_predicted(tmp_path: Path, workdir: Path, run_cli) -> None:
    """`nas search --data train.parquet --test-data test.parquet`, export, and `nas predict` on
    the test file: the predictions are named by the ClassLabel's names and scored against the
    file's labels with the search's test figure."""
    hub_parquet(tmp_path / "train.parquet", range(240))
    hub_parquet(tmp_path / "test.parquet", range(240, 300))
    found = run_cli("search", "--data", tmp_path / "train.parquet", "--test-data", tmp_path / "test.parquet",
                    "--trials", 1, "--epochs", 1, "--cv", 1, "--no-refit")
    assert found.exit_code == 0, found.stderr
    assert "data: the 60 images of test.parquet are the test split as given" in found.stdout
    assert run_cli("export", "--out", "bundle", "--format", "state-dict").exit_code == 0
    shipped = re.search(r"test accuracy (\d\.\d{4})", found.stdout).group(1)
    predicted = run_cli("predict", "bundle", tmp_path / "test.parquet")
    assert predicted.exit_code == 0, predicted.stderr
    assert predicted.stderr.startswith(f"scored against the file's column 'label' (60 rows): accuracy {shipped}")
    assert set(re.findall(r"\b(zero|one|two|three|four|five|six|seven|eight|nine)\b", predicted.stdout)) <= set(NAMES)
    unlabelled = tmp_path / "new.parquet"
    import pyarrow.parquet as pq

    pq.write_table(pq.read_table(tmp_path / "test.parquet").drop_columns(["label"]), unlabelled)
    bare = run_cli("predict", "bundle", unlabelled)
    assert bare.exit_code == 0 and len(bare.stdout.splitlines()) == 61 and "scored" not in bare.stderr


def test_what_a_file_of_images_cannot_be_is_one_line(tmp_path: Path) -> None:
    """Two image columns, no label column, several candidate label columns, a damaged image, flags
    that do not apply and a tabular task: each a one-line error naming the file or flag."""
    import pyarrow.parquet as pq

    hub_parquet(tmp_path / "two.parquet", range(30), extra={"photo": [{"bytes": b"", "path": ""}] * 30})
    with pytest.raises(DataError, match=r"two.parquet: 2 columns of images \(image, photo\); nas reads one image per row"):
        load_data(DataSpec(task=None, path=str(tmp_path / "two.parquet")).resolved())
    hub_parquet(tmp_path / "named.parquet", range(60), class_label=False, extra={"fold": list(range(60))})
    digits = [str(v) for v in sorted(set(load_digits_targets(range(60))))]
    assert load_data(DataSpec(task="image", path=str(tmp_path / "named.parquet"))).class_names == digits  # 'label' by its name
    pq.write_table(pq.read_table(tmp_path / "named.parquet").rename_columns(["image", "digit", "fold"]), tmp_path / "some.parquet")
    with pytest.raises(UsageError, match=r"--target: .*some.parquet holds images and columns digit, fold; name the column of labels"):
        load_data(DataSpec(task="image", path=str(tmp_path / "some.parquet")))
    assert load_data(DataSpec(task="image", path=str(tmp_path / "some.parquet"), target="digit")).class_names == digits
    with pytest.raises(UsageError, match=r"--target: column 'image' of .*some.parquet holds the images"):
        load_data(DataSpec(task="image", path=str(tmp_path / "some.parquet"), target="image"))
    only = tmp_path / "only.parquet"
    pq.write_table(pq.read_table(tmp_path / "two.parquet").select(["image"]), only)
    with pytest.raises(DataError, match=r"only.parquet: a column of images but none of labels"):
        load_data(DataSpec(task="image", path=str(only)))
    table = pq.read_table(tmp_path / "two.parquet").drop_columns(["photo"])
    cells = table.column("image").to_pylist()
    cells[7] = {"bytes": b"\x89PNG broken", "path": "7.png"}
    pq.write_table(table.set_column(0, "image", pa.array(cells)), tmp_path / "damaged.parquet")
    with pytest.raises(DataError, match=r"damaged.parquet: row 7: unreadable image"):
        load_data(DataSpec(task="image", path=str(tmp_path / "damaged.parquet")))
    files = tmp_path / "files"  # data files not named by split: which one to read is the user's to say
    files.mkdir()
    hub_parquet(files / "digits.parquet", range(30))
    (files / "notes.txt").write_text("scanned in 1998\n")
    with pytest.raises(DataError, match=r"files: a folder of files \(digits.parquet, notes.txt\), "
                                        r"not of class sub-folders: pass the file with --data \(and a test file with --test-data\)"):
        load_data(DataSpec(task=None, path=str(files)).resolved())
    hub_parquet(tmp_path / "ok.parquet", range(30))
    with pytest.raises(UsageError, match=r"--window: does not apply to .*ok.parquet \(a file of images\)"):
        load_data(DataSpec(task="image", path=str(tmp_path / "ok.parquet"), window=4))
    with pytest.raises(UsageError, match=r"--task: .*ok.parquet is a file of images; use --task image"):
        load_data(DataSpec(task="tabular", path=str(tmp_path / "ok.parquet"), target="label"))


def test_a_folder_of_split_files_is_searched_as_data_and_test_data(tmp_path: Path) -> None:
    """The Hub's download, a folder of `train-00000-of-00001.parquet` and `test-...` (README.md
    beside them), is read as --data and --test-data, named after the folder; a validation file is
    said not to be read; a course's `train.csv` and `test.csv` likewise; two files of a split that
    are not its shards and --test-data beside such a folder are one line each, its shards one table."""
    import csv

    hub = tmp_path / "mnist"
    hub.mkdir()
    hub_parquet(hub / "train-00000-of-00001.parquet", range(240))
    hub_parquet(hub / "test-00000-of-00001.parquet", range(240, 300))
    hub_parquet(hub / "validation-00000-of-00001.parquet", range(300, 330))
    (hub / "README.md").write_text("# mnist\n")
    data = load_data(DataSpec(task=None, path=str(hub)).resolved())
    assert data.task == "image" and data.name == "mnist" and len(data.test) == 60
    assert "validation-00000-of-00001.parquet is not read: a quarter of train-00000-of-00001.parquet, drawn by --seed, validates" in data.notes
    assert "the 60 images of test-00000-of-00001.parquet are the test split as given" in data.notes[-1]
    from nas.data.inputs import read_inputs

    with pytest.raises(DataError, match=r"mnist: a folder of one file a split; pass the file to predict, e.g. .*mnist/test-00000-of-00001.parquet"):
        read_inputs(hub, data.describe())  # nas predict bundle/ mnist/
    with pytest.raises(UsageError, match=r"--test-data: .*mnist holds its own split already \(its train-00000-of-00001.parquet\)"):
        load_data(DataSpec(task="image", path=str(hub), test_path=str(hub / "test-00000-of-00001.parquet")))
    hub_parquet(hub / "train-00001-of-00002.parquet", range(330, 360))
    with pytest.raises(DataError, match=r"mnist: a split in 2 files \(train-00000-of-00001.parquet, train-00001-of-00002.parquet, \.\.\.\); nas reads one file a split"):
        load_data(DataSpec(task=None, path=str(hub)).resolved())
    (hub / "train-00000-of-00001.parquet").rename(hub / "train-00000-of-00002.parquet")  # now two shards of one split
    shards = load_data(DataSpec(task=None, path=str(hub)).resolved())
    assert sum(map(len, (shards.train, shards.val))) == 270 and len(shards.test) == 60
    assert "train-00000-of-00002.parquet to train-00001-of-00002.parquet: the 2 shards of one split, read as one table (270 rows)" in shards.notes
    from sklearn.datasets import load_wine

    wine = load_wine()
    course = tmp_path / "course"
    course.mkdir()
    for name, rows in (("train.csv", range(0, 150)), ("test.csv", range(150, 178))):
        with open(course / name, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow([*wine.feature_names, "target"])
            writer.writerows([[*wine.data[i], wine.target[i]] for i in rows])
    table = load_data(DataSpec(task=None, path=str(course)).resolved())
    assert table.task == "tabular" and len(table.test) == 28 and table.name == "course"
    assert set(table.test.y.tolist()) == {2}  # a test file of one class is scored, never split: not refused
    np.savez(tmp_path / "train.npz", X=wine.data[:150], y=wine.target[:150])
    np.savez(tmp_path / "test.npz", X=wine.data[150:], y=wine.target[150:])
    pair = load_data(DataSpec(task="tabular", path=str(tmp_path / "train.npz"), test_path=str(tmp_path / "test.npz")))
    assert len(pair.test) == 28 and set(pair.test.y.tolist()) == {2}
