"""An image folder as a dataset: one sub-folder per class, PNG/JPEG/... read with Pillow.

All images get one size (their common size, or --image-size) and one channel count (RGB if any
image is in colour, else grayscale), so predict can read new images the same way.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nas.data.builtin import Raw
from nas.data.images import GRAY_MODES, image_files, read_image
from nas.errors import DataError, UsageError

MIN_PER_CLASS = 3  # one image each for train, validation and test


def _probe(path: Path) -> tuple[tuple[int, int], bool]:
    """(H, W) and whether the image is in colour, from the file header (no decoding)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return (img.size[1], img.size[0]), img.mode not in GRAY_MODES
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{path}: unreadable image ({exc.__class__.__name__})") from None


def class_folders(root: Path) -> dict[str, list[Path]]:
    """Class name -> its image files; DataError for too few classes or images."""
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not folders:
        raise DataError(f"{root}: no class sub-folders (put each class's images in a sub-folder named after it)")
    classes = {p.name: image_files(p) for p in folders}
    for name, files in classes.items():
        if len(files) < MIN_PER_CLASS:
            raise DataError(f"{root / name}: class folder has {len(files)} image(s); "
                            f"need at least {MIN_PER_CLASS} (train, validation, test)")
    if len(classes) < 2:
        raise DataError(f"{root}: only one class folder ({folders[0].name}); need at least 2 classes")
    return classes


def common_size(probes: dict[Path, tuple[tuple[int, int], bool]], image_size: int | None,
                root: Path) -> tuple[int, int]:
    """--image-size, or the one size all images share; DataError when sizes differ and none is given."""
    if image_size is not None:
        if image_size < 4:
            raise UsageError(f"--image-size: must be at least 4, got {image_size}")
        return image_size, image_size
    sizes: dict[tuple[int, int], Path] = {}
    for f, (size, _) in probes.items():
        sizes.setdefault(size, f)
    if len(sizes) > 1:
        (a, fa), (b, fb) = list(sizes.items())[:2]
        raise DataError(f"{root}: images differ in size ({a[1]}x{a[0]} {fa.relative_to(root)}, "
                        f"{b[1]}x{b[0]} {fb.relative_to(root)}); pass --image-size N to resize them all to N x N")
    return next(iter(sizes))


def load_image_folder(root: Path, image_size: int | None) -> Raw:
    """All images of all class folders as (N, C, H, W) values 0-255 (scaled to 0-1 before standardising)."""
    classes = class_folders(root)
    files = [f for fs in classes.values() for f in fs]
    labels = np.concatenate([np.full(len(fs), i, dtype=np.int64) for i, fs in enumerate(classes.values())])
    probes = {f: _probe(f) for f in files}
    size = common_size(probes, image_size, root)
    channels = 3 if any(colour for _, colour in probes.values()) else 1
    X = np.stack([read_image(f, size, channels) for f in files])
    mode = "RGB" if channels == 3 else "grayscale"
    return Raw(X, labels, "classification", list(classes), f"{root} (image folder, {len(files)} {mode} images "
               f"{size[1]}x{size[0]})", scale=1 / 255, extra={"image_size": list(size)})
