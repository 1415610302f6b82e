"""An image folder as a dataset: one sub-folder per class, PNG/JPEG/... read with Pillow.

All images get one size (their common size, --image-size, or the median size when they differ)
and one channel count (RGB if any image is in colour, else grayscale), so predict can read new
images the same way.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nas.data._split import given_split
from nas.data.builtin import Raw
from nas.data.images import common_form, image_files, probe_image, read_image
from nas.errors import DataError

MIN_PER_CLASS = 3  # one image each for train, validation and test


def class_folders(root: Path, to_split: bool = True) -> dict[str, list[Path]]:
    """Class name -> its image files; DataError for too few classes or images (a folder to split
    needs 2 classes of MIN_PER_CLASS images; a test folder, never split, one image a class)."""
    min_per_class = MIN_PER_CLASS if to_split else 1
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        files = sorted(p.name for p in root.iterdir() if p.is_file() and not p.name.startswith("."))
        if files and not image_files(root):  # data files (a dataset from the Hub: train-*.parquet, test-*.parquet)
            raise DataError(f"{root}: a folder of files ({', '.join(files[:3])}{', ...' if len(files) > 3 else ''}), "
                            f"not of class sub-folders: pass the file with --data (and a test file with --test-data)")
        raise DataError(f"{root}: no class sub-folders (put each class's images in a sub-folder named after it)")
    classes = {p.name: image_files(p) for p in folders}
    for name, files in classes.items():
        if len(files) < min_per_class:
            raise DataError(f"{root / name}: class folder has {len(files)} image(s); need at least {min_per_class}"
                            + (" (train, validation, test)" if to_split else ""))
    if len(classes) < 2 and to_split:
        raise DataError(f"{root}: only one class folder ({folders[0].name}); need at least 2 classes")
    return classes


# Sub-folders named as a split (any case): a dataset shipped as train/ and test/ (and val/)
# folders of class folders, Kaggle's and most papers' layout (chest_xray/train/NORMAL/...).
SPLIT_FOLDERS = {"train": 0, "training": 0, "val": 1, "valid": 1, "validation": 1, "dev": 1, "test": 2, "testing": 2}
SPLIT_WORDS = ("train", "validation", "test")


def split_folders(root: Path) -> dict[int, Path] | None:
    """Role (0 train, 1 validation, 2 test) -> folder, when every sub-folder of `root` is named as
    a split (SPLIT_FOLDERS) and one is the training set; None for a folder of class folders."""
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    roles = [SPLIT_FOLDERS.get(p.name.lower()) for p in folders]
    if not folders or None in roles or 0 not in roles or len(folders) < 2:
        return None
    given: dict[int, Path] = {}
    for role, folder in zip(roles, folders):
        if role in given:
            raise DataError(f"{root}: two {SPLIT_WORDS[role]} folders ({given[role].name}/ and {folder.name}/)")
        given[role] = folder
    return given


def _read(classes: dict[str, list[Path]], names: list[str], where: Path, size: tuple[int, int],
          channels: int) -> tuple[np.ndarray, np.ndarray]:
    """The images of `classes` at one size and channel count, labelled by their index in `names`."""
    for name in classes:
        if name not in names:
            raise DataError(f"{where / name}: a class the training folder does not have ({', '.join(names)})")
    files = [f for fs in classes.values() for f in fs]
    labels = np.array([names.index(name) for name, fs in classes.items() for _ in fs], dtype=np.int64)
    return np.stack([read_image(f, size, channels) for f in files]), labels


def load_image_folder(root: Path, image_size: int | None,
                      read_as: tuple[tuple[int, int], int] | None = None) -> Raw:
    """All images of all class folders as (N, C, H, W) values 0-255 (scaled to 0-1 before
    standardising). `read_as` = ((H, W), channels) reads them as another folder's were (a test
    folder read like its training folder, nas.data.given_test). A folder of train/ and test/
    (and val/) folders keeps that split (`_given_split`)."""
    if read_as is None and (given := split_folders(root)) is not None:
        return _given_split(root, given, image_size)
    classes = class_folders(root, to_split=read_as is None)
    files = [f for fs in classes.values() for f in fs]
    if read_as is not None:
        (size, channels), note = read_as, None
    else:
        size, channels, note = common_form([probe_image(f) for f in files], image_size)
    X, labels = _read(classes, list(classes), root, size, channels)
    mode = "RGB" if channels == 3 else "grayscale"
    return Raw(X, labels, "classification", list(classes), f"{root} (image folder, {len(files)} {mode} images "
               f"{size[1]}x{size[0]})", scale=1 / 255, extra={"image_size": list(size)},
               notes=(note,) if note else ())


def _given_split(root: Path, given: dict[int, Path], image_size: int | None) -> Raw:
    """Images split as the folders say, as an NPZ's X_train / X_val / X_test are: a test folder is
    the test split as given; a validation folder validates (and tests, without a test folder);
    without one, a quarter of the training folder, drawn by --seed, validates. The size and
    channels are the training images' (nas never looks at the test images to choose them)."""
    train = class_folders(given[0])
    size, channels, note = common_form([probe_image(f) for fs in train.values() for f in fs], image_size)
    names = list(train)
    parts = {role: _read(train if role == 0 else class_folders(folder, to_split=False), names, folder, size, channels)
             for role, folder in sorted(given.items())}
    counts = {role: len(labels) for role, (_, labels) in parts.items()}
    splits, test_rows = given_split(counts[0], counts.get(1), counts.get(2))
    said = " and ".join(f"{given[role].name}/" for role in sorted(given))
    notes = [note] if note else []
    if 1 in given:
        notes.append(f"the folders {said} are the split as given" + ("" if 2 in given else
                     f"; no test folder: the test metrics are computed on the validation images ({given[1].name}/)"))
    else:
        notes.append(f"the folders {said} are the split as given; no validation folder: a quarter of "
                     f"{given[0].name}/, drawn by --seed, validates")
    X = np.concatenate([x for x, _ in parts.values()])
    y = np.concatenate([labels for _, labels in parts.values()])
    mode = "RGB" if channels == 3 else "grayscale"
    return Raw(X, y, "classification", names, f"{root} (image folders {said}, {len(y)} {mode} images "
               f"{size[1]}x{size[0]})", scale=1 / 255, extra={"image_size": list(size)}, splits=splits,
               test_rows=test_rows, notes=tuple(notes))
