"""Reading image files with Pillow, shared by image-folder datasets and `nas predict`.

Images become float32 arrays (C, H, W) with values 0-255, resized to a fixed size; the
channel count (1 for grayscale, 3 for colour) is chosen once per dataset and kept consistent.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from nas.errors import DataError, UsageError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
MODES = {1: "L", 3: "RGB"}
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")  # Pillow modes read as one channel
AUTO_MAX_SIDE = 32  # the longest side nas reads an image at, unless --image-size says otherwise
MIN_SIDE = 4  # as --image-size's least value


def image_files(folder: Path) -> list[Path]:
    """Image files directly inside `folder`, sorted by name."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def image_channels(path: Path) -> int:
    """1 for grayscale images (L, LA, 1, I, F modes), 3 for anything in colour."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return 1 if img.mode in GRAY_MODES else 3
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{path}: unreadable image ({exc.__class__.__name__})") from None


def probe_image(source: Path | bytes, name: str | None = None) -> tuple[tuple[int, int], bool]:
    """(H, W) and whether the image is in colour, from its header (no decoding); `name` says
    which image an error is about when `source` is its bytes."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
            return (img.size[1], img.size[0]), img.mode not in GRAY_MODES
    except (UnidentifiedImageError, OSError) as exc:
        raise DataError(f"{name or source}: unreadable image ({exc.__class__.__name__})") from None


def read_image(source: Path | bytes, size: tuple[int, int], channels: int, name: str | None = None) -> np.ndarray:
    """One image as float32 (channels, H, W), values 0-255, from a file or from its encoded bytes
    (a PNG stored in a Parquet file: nas.data.arrow_images; `name` says which in an error);
    DataError if Pillow cannot read it."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as img:
            img = img.convert(MODES[channels])
            if img.size != (size[1], size[0]):
                img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
            arr = np.asarray(img, dtype=np.float32)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise DataError(f"{name or source}: unreadable image ({exc.__class__.__name__})") from None
    return arr[None, :, :] if arr.ndim == 2 else arr.transpose(2, 0, 1)


def common_size(sizes: list[tuple[int, int]], image_size: int | None) -> tuple[tuple[int, int], str | None]:
    """(H, W) every image is read at, given each image's (H, W), and a note when nas chose it:
    --image-size, else the one size all images share or, when sizes differ, the median height and
    width; either shrunk to at most AUTO_MAX_SIDE pixels on the longer side, keeping the aspect ratio.
    Image folders, Parquet files of images and an NPZ's image arrays all follow it.

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
    sizes = np.array(sizes)
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


def common_form(probes: list[tuple[tuple[int, int], bool]],
                image_size: int | None) -> tuple[tuple[int, int], int, str | None]:
    """(H, W), channels and the size note for images probed as (size, in colour): `common_size`,
    and RGB if any image is in colour, else grayscale."""
    size, note = common_size([size for size, _ in probes], image_size)
    return size, 3 if any(colour for _, colour in probes) else 1, note


def resized(X: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Images (N, C, H, W) as arrays at another (H, W): bilinear with antialiasing, as Pillow
    resizes an image file, so an NPZ's images and the same images as files read alike."""
    import torch
    from torch.nn.functional import interpolate

    if tuple(X.shape[2:]) == tuple(size):
        return X
    chunks = [interpolate(torch.from_numpy(np.ascontiguousarray(X[i:i + 1024], dtype=np.float32)), size=size,
                          mode="bilinear", antialias=True, align_corners=False).numpy() for i in range(0, len(X), 1024)]
    return np.concatenate(chunks)
