"""A .ts file (the UCR/UEA and Monash archives' format, read by aeon) loads as it ships: TRAIN and
TEST files as --data and --test-data, classes or values, several channels, unequal lengths."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError


def _archive(name: str, tmp_path: Path, files: str = "") -> tuple[Path, Path]:
    """Copies of a set's TRAIN and TEST .ts files as aeon ships them (as downloaded from the archive)."""
    aeon = pytest.importorskip("aeon", reason=f"the .ts files of {name} ship with aeon: pip install 'nas[ucr]'")
    folder = Path(aeon.__file__).parent / "datasets" / "data" / name
    return tuple(Path(shutil.copy(folder / f"{files or name}_{split}.ts", tmp_path)) for split in ("TRAIN", "TEST"))


def _spec(train: Path, test: Path | None = None, **kw: object) -> DataSpec:
    return DataSpec(task=None, path=str(train), test_path=str(test) if test else None, **kw).resolved()


def test_a_ucr_pair_of_ts_files_is_the_official_split(tmp_path: Path) -> None:
    """GunPoint: 50 training series (a quarter validates), the 150 of the TEST file are the test
    split; labels '1', '2'; predict reads the TEST file and its labels as answers."""
    from nas.data.inputs import read_inputs

    train, test = _archive("GunPoint", tmp_path)
    data = load_data(_spec(train, test))
    assert data.task == "sequence" and data.input_shape == (150, 1) and data.class_names == ["1", "2"]
    assert (len(data.train) + len(data.val), len(data.test)) == (50, 150)
    assert "the 150 series of GunPoint_TEST.ts are the test split as given" in data.notes[-1]
    read = read_inputs(test, data.describe())
    assert read.X.shape == (150, 150, 1) and set(read.answers) == {"1", "2"}


def test_multichannel_regression_and_unequal_ts_files(tmp_path: Path) -> None:
    """BasicMotions: 6 channels; Covid3Month: a regression target; JapaneseVowels as aeon ships it
    (7-26 steps in training, 7-29 in test): padded to the longest training series, the test file
    brought to that length, each said."""
    motions = load_data(_spec(*_archive("BasicMotions", tmp_path)))
    assert motions.input_shape == (100, 6) and len(motions.class_names) == 4
    covid = load_data(_spec(*_archive("Covid3Month", tmp_path)))
    assert covid.kind == "regression" and covid.input_shape == (84, 1)
    vowels = load_data(_spec(*_archive("JapaneseVowels", tmp_path)))
    assert vowels.input_shape == (26, 12) and len(vowels.test) == 370
    assert vowels.notes[:2] == ("series of 7 to 26 steps padded with zeros to 26",
                                "--test-data: series of 7 to 29 steps brought to 26 (the training series' length): "
                                "shorter ones padded with zeros, longer ones cut to their first 26")
    from nas.data.ts_file import read_ts

    raw, _, _ = read_ts(tmp_path / "JapaneseVowels_TRAIN.ts")  # as read, before standardising
    ends = (raw != 0).any(axis=2)  # (series, steps): a step with a value in some channel
    lengths = 26 - np.argmax(ends[:, ::-1], axis=1)
    assert lengths.min() == 7 and (raw[lengths[:, None] <= np.arange(26)] == 0).all()  # zeros after the last step


def test_bad_ts_inputs_are_refused_in_one_line(tmp_path: Path) -> None:
    train, _ = _archive("GunPoint", tmp_path)
    with pytest.raises(UsageError, match=r"--task: .*GunPoint_TRAIN.ts is a .ts file of series; use --task sequence"):
        load_data(DataSpec(task="tabular", path=str(train)))
    broken = tmp_path / "broken.ts"
    broken.write_text("@problemName broken\n@data\nabc,def:1\n1,2:2\n")
    with pytest.raises(DataError, match=r"broken.ts: unreadable .ts file \(could not convert string to float: 'abc'\)"):
        load_data(_spec(broken))
    single = tmp_path / "single.ts"
    single.write_text("@problemName single\n@data\n1.0,2.0:x\n2.0,3.0:x\n")
    with pytest.raises(DataError, match=r"single.ts: the target has a single class \(x\)"):
        load_data(_spec(single))
    with pytest.raises(UsageError, match="--window: does not apply to"):
        load_data(DataSpec(task="sequence", path=str(train), window=4))
