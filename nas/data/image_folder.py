"""An image folder as a dataset: one sub-folder per class, PNG/JPEG/... read with Pillow.

All images get one size (their common size, --image-size, or the median size when they differ)
and one channel count (RGB if any image is in colour, else grayscale), so predict can read new
images the same way.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from nas.data._split import given_split
from nas.data.builtin import Raw
from nas.data.images import image_files, probe_image, read_image
from nas.errors import DataError, UsageError

MIN_PER_CLASS = 3  # one image each for train, validation and test
AUTO_MAX_SIDE = 32  # the longest side nas reads an image at, unless --image-size says otherwise
MIN_SIDE = 4  # as --image-size's least value


def class_folders(root: Path, to_split: bool = True) -> dict[str, list[Path]]:
    """Class name -> its image files; DataError for too few classes or images (a folder to split
    needs 2 classes of MIN_PER_CLASS images; a test folder, never split, one image a class)."""
    min_per_class = MIN_PER_CLASS if to_split else 1
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError(f"{root}: no class sub-folders (put each class's images in a sub-folder named after it)")
    classes = {p.name: image_files(p) for p in folders}
    for name, files in classes.items():
        if len(files) < min_per_class:
            raise DataError(f"{root / name}: class folder has {len(files)} image(s); need at least {min_per_class}"
                            + (" (train, validation, test)" if to_split else ""))
    if len(classes) < 2 and to_split:
        raise DataError(f"{root}: only one class folder ({folders[0].name}); need at least 2 classes")
    return classes


def common_size(probes: dict[Any, tuple[tuple[int, int], bool]],
                image_size: int | None) -> tuple[tuple[int, int], str | None]:
    """(H, W) every image is read at, and a note when nas chose it: --image-size, else the one size
    all images share or, when sizes differ, the median height and width; either shrunk to at most
    AUTO_MAX_SIDE pixels on the longer side, keeping the aspect ratio.

    Why the median when sizes differ: a folder of photos rarely has one size, and resizing is what
    the user would do by hand (Keras' image_dataset_from_directory resizes everything to one size
    by default); the median keeps the usual aspect ratio and ignores a few odd images. Why the cap,
    also for images of one size: the cost of a CNN grows with the pixels. On 2 CPU cores the default
    search of 200 faces at 224 x 224 finished no candidate in 9.8 minutes; at 64 x 64, 3 in its
    9-minute budget, no final model, test 0.900 against logistic regression's 0.925; at 32 x 32, 20
    trials and the fold ensemble in 5.2 minutes, test 1.000 (docs/benchmarks.md). 32 keeps CIFAR's
    32 x 32 and MNIST's 28 x 28 as they are; --image-size overrides it, on a GPU say.
    """
    if image_size is not None:
        if image_size < MIN_SIDE:
            raise UsageError(f"--image-size: must be at least {MIN_SIDE}, got {image_size}")
        return (image_size, image_size), None
    sizes = np.array([size for size, _ in probes.values()])
    one_size = len(np.unique(sizes, axis=0)) == 1
    height, width = (float(v) for v in (sizes[0] if one_size else np.median(sizes, axis=0)))
    shrink = min(1.0, AUTO_MAX_SIDE / max(height, width))
    size = (max(MIN_SIDE, round(height * shrink)), max(MIN_SIDE, round(width * shrink)))
    if one_size and shrink == 1:
        return size, None
    if one_size:
        return size, (f"images are {int(width)}x{int(height)} pixels: all resized to {size[1]}x{size[0]}, at most "
                      f"{AUTO_MAX_SIDE} a side, so that a CNN search takes minutes (--image-size N: N x N)")
    low, high = sizes.min(axis=0), sizes.max(axis=0)
    return size, (f"images differ in size (height {low[0]}-{high[0]}, width {low[1]}-{high[1]} pixels): all resized "
                  f"to {size[1]}x{size[0]}, the median{' shrunk to at most ' + str(AUTO_MAX_SIDE) if shrink < 1 else ''}"
                  f" (--image-size N: N x N)")


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
    probes = {f: probe_image(f) for f in files}
    if read_as is not None:
        (size, channels), note = read_as, None
    else:
        size, note = common_size(probes, image_size)
        channels = 3 if any(colour for _, colour in probes.values()) else 1
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
    probes = {f: probe_image(f) for fs in train.values() for f in fs}
    size, note = common_size(probes, image_size)
    channels = 3 if any(colour for _, colour in probes.values()) else 1
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
