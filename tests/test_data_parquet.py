"""Parquet and Feather files (nas.data.arrow_file): read as the CSV of the same table, typed
columns included, in `nas search`, `--test-data` and `nas predict`; what cannot be read is one
line. The tests write their own files from scikit-learn's wine."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError
from tests.test_data_files import spec

pa = pytest.importorskip("pyarrow", reason="pyarrow (Parquet and Feather files) is not installed: pip install 'nas[parquet]'")


def _wine_frame():  # type: ignore[no-untyped-def]
    """wine as pandas users keep it: a categorical target, a date, a boolean, an integer column
    with a gap (pandas' nullable Int64), a float column with NaN, rows shuffled (so pandas stores
    its index in a Parquet file)."""
    import pandas as pd
    from sklearn.datasets import load_wine

    frame = load_wine(as_frame=True).frame
    n = len(frame)
    frame["sampled"] = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(n) * 3, unit="D")
    frame["organic"] = np.arange(n) % 3 == 0
    frame["batch"] = pd.array([None if i % 17 == 0 else i % 5 for i in range(n)], dtype="Int64")
    frame.loc[frame.index % 13 == 0, "ash"] = np.nan
    frame["cultivar"] = pd.Categorical(frame.pop("target").map({0: "barolo", 1: "grignolino", 2: "barbera"}))
    return frame.sample(frac=1.0, random_state=0)


def _same(ours, theirs) -> None:  # type: ignore[no-untyped-def]
    assert ours.input_shape == theirs.input_shape and ours.class_names == theirs.class_names
    for a, b in ((ours.train, theirs.train), (ours.val, theirs.val), (ours.test, theirs.test)):
        assert np.array_equal(a.X.numpy(), b.X.numpy(), equal_nan=True) and np.array_equal(a.y.numpy(), b.y.numpy())


def test_a_parquet_or_feather_file_reads_as_its_csv(tmp_path: Path) -> None:
    """The same table as .parquet, .feather and .csv (pandas' own writers): the same columns,
    notes and tensors, the pandas index left out and said; `nas predict` reads the Parquet file's
    rows as it reads the CSV's (its booleans TRUE / FALSE, the CSV's True / False: one category);
    a Parquet file is a `--test-data` file too."""
    from nas.data.inputs import read_inputs

    frame = _wine_frame()
    frame.to_parquet(tmp_path / "wine.parquet")
    frame.reset_index(drop=True).to_feather(tmp_path / "wine.feather")
    frame.to_csv(tmp_path / "wine.csv", index=False)
    theirs = load_data(spec(tmp_path / "wine.csv", "tabular", target="cultivar"))
    ours = load_data(spec(tmp_path / "wine.parquet", "tabular", target="cultivar"))
    assert ours.notes[0] == "the row index pandas stored (__index_level_0__) ignored"
    assert ours.notes[1:] == theirs.notes and ours.input_shape == (17,)  # the date one feature, organic one, batch one
    _same(ours, theirs)
    feather = load_data(spec(tmp_path / "wine.feather", "tabular", target="cultivar"))
    assert feather.notes == theirs.notes
    _same(feather, theirs)
    info = ours.describe()
    assert np.array_equal(read_inputs(tmp_path / "wine.parquet", info).X, read_inputs(tmp_path / "wine.csv", info).X, equal_nan=True)
    frame.iloc[:120].to_parquet(tmp_path / "train.parquet")
    frame.iloc[120:].to_parquet(tmp_path / "test.parquet")
    given = load_data(DataSpec(task="tabular", path=str(tmp_path / "train.parquet"), test_path=str(tmp_path / "test.parquet"),
                               target="cultivar"))
    assert len(given.test) == len(frame) - 120 and given.input_shape == (17,)
    with pytest.raises(UsageError, match=r"--target: .*wine.parquet is a table; name its target column \(.*, cultivar\)$"):
        load_data(spec(tmp_path / "wine.parquet", "tabular"))  # a table, not "a CSV file"


def test_what_a_parquet_file_cannot_hold_for_nas_is_one_line(tmp_path: Path) -> None:
    """A column of lists (embeddings) or of bytes that are not images is named; a file of images
    is not a table; a damaged file says so; a blank column name is refused."""
    import pyarrow.parquet as pq

    table = pa.table({"x": [1.0, 2.0, 3.0], "embedding": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "y": ["a", "b", "a"]})
    pq.write_table(table, tmp_path / "lists.parquet")
    with pytest.raises(DataError, match=r"lists.parquet: column 'embedding' holds list<element: double> values; nas reads columns of numbers"):
        load_data(spec(tmp_path / "lists.parquet", "tabular", target="y"))
    codes = pa.table({"x": [1.0, 2.0, 3.0], "code": [b"\x00\x01", b"\x02", b"\x03"], "y": ["a", "b", "a"]})
    pq.write_table(codes, tmp_path / "codes.parquet")
    with pytest.raises(DataError, match=r"codes.parquet: column 'code' holds binary values; .*, or one column of images beside labels$"):
        load_data(spec(tmp_path / "codes.parquet", "tabular", target="y"))
    images = pa.table({"image": [{"bytes": b"\x89PNG", "path": "0.png"}] * 3, "label": [0, 1, 0]})
    pq.write_table(images, tmp_path / "images.parquet")  # the Hub's images: read as such (tests/test_data_parquet_images.py)
    with pytest.raises(UsageError, match=r"--task: .*images.parquet is a file of images; use --task image$"):
        load_data(spec(tmp_path / "images.parquet", "tabular", target="label"))
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(b"PAR1 not a parquet file")
    with pytest.raises(DataError, match=r"broken.parquet: unreadable Parquet file \("):
        load_data(spec(broken, "tabular", target="y"))
    pq.write_table(pa.table({"a": [1, 2, 3], " ": [4, 5, 6]}), tmp_path / "blank.parquet")
    with pytest.raises(DataError, match=r"blank.parquet: the table has no columns, or empty or repeated column names"):
        load_data(spec(tmp_path / "blank.parquet", "tabular", target="a"))


def test_a_hugging_face_class_label_reads_as_its_names(tmp_path: Path) -> None:
    """A Hub dataset's Parquet file stores a ClassLabel as integers with their names in the schema
    metadata: the names are the classes (the summary and `nas predict` say 'barolo', not 0), and
    -1, the Hub's unlabelled row, is a row without a target (left out, as a CSV's)."""
    import json

    import pyarrow.parquet as pq
    from sklearn.datasets import load_wine

    wine = load_wine()
    label = wine.target.copy()
    label[5] = -1
    columns = {name: wine.data[:, j] for j, name in enumerate(wine.feature_names)}
    features = {"label": {"names": ["barolo", "grignolino", "barbera"], "_type": "ClassLabel"}}
    table = pa.table({**columns, "label": label}).replace_schema_metadata(
        {"huggingface": json.dumps({"info": {"features": features}})})
    pq.write_table(table, tmp_path / "train-00000-of-00001.parquet")
    data = load_data(spec(tmp_path / "train-00000-of-00001.parquet", "tabular", target="label"))
    assert sorted(data.class_names) == ["barbera", "barolo", "grignolino"]
    assert "class names of 'label' read from the Hugging Face metadata" in data.notes
    assert len(data.train) + len(data.val) + len(data.test) == len(label) - 1
    plain = pa.table({**columns, "label": wine.target})
    pq.write_table(plain, tmp_path / "plain.parquet")
    assert load_data(spec(tmp_path / "plain.parquet", "tabular", target="label")).class_names == ["0", "1", "2"]


def test_a_split_in_parquet_shards_reads_as_one_file(tmp_path: Path, workdir: Path, run_cli) -> None:
    """The Hub's download of a larger dataset, each split in shards (`train-00000-of-00002.parquet`,
    `train-00001-of-00002.parquet`): a folder of them is searched as the two whole splits, a shard
    passed with --data reads its whole split too, each said; the table and the split are those of
    one file of the same rows. A missing shard, or one whose columns differ, is one line."""
    frame = _wine_frame().reset_index(drop=True)
    hub = tmp_path / "wine"
    hub.mkdir()
    for split, parts in (("train", (frame.iloc[:70], frame.iloc[70:140])), ("test", (frame.iloc[140:],))):
        for i, part in enumerate(parts):
            part.to_parquet(hub / f"{split}-{i:05d}-of-{len(parts):05d}.parquet", index=False)
    frame.iloc[:140].to_parquet(tmp_path / "train.parquet", index=False)
    frame.iloc[140:].to_parquet(tmp_path / "test.parquet", index=False)
    whole = load_data(DataSpec(task=None, path=str(tmp_path / "train.parquet"), test_path=str(tmp_path / "test.parquet"),
                               target="cultivar").resolved())
    sharded = load_data(DataSpec(task=None, path=str(hub), target="cultivar").resolved())
    assert sharded.name == "wine" and len(sharded.test) == len(frame) - 140
    said = "train-00000-of-00002.parquet to train-00001-of-00002.parquet: the 2 shards of one split, read as one table (140 rows)"
    assert said in sharded.notes
    _same(sharded, whole)
    second = load_data(spec(hub / "train-00001-of-00002.parquet", "tabular", target="cultivar"))
    assert said in second.notes and sum(map(len, (second.train, second.val, second.test))) == 140
    found = run_cli("search", "--data", hub, "--target", "cultivar", "--trials", 1, "--epochs", 1, "--cv", 1, "--no-refit")
    assert found.exit_code == 0, found.stderr
    assert f"data: {said}" in found.stdout
    frame.iloc[:70].assign(extra=1.0).to_parquet(hub / "train-00000-of-00002.parquet", index=False)
    with pytest.raises(DataError, match=r"train-00001-of-00002.parquet: its columns differ from those of train-00000-of-00002.parquet"):
        load_data(DataSpec(task=None, path=str(hub), target="cultivar").resolved())
    (hub / "train-00001-of-00002.parquet").unlink()
    with pytest.raises(DataError, match=r"train-00000-of-00002.parquet: one of 2 shards of a split, but train-00001-of-00002.parquet is missing; download the whole split"):
        load_data(DataSpec(task=None, path=str(hub), target="cultivar").resolved())
