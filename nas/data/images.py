"""Reading image files with Pillow, shared by image-folder datasets and `nas predict`.

Images become float32 arrays (C, H, W) with values 0-255, resized to a fixed size; the
channel count (1 for grayscale, 3 for colour) is chosen once per dataset and kept consistent.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from nas.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
MODES = {1: "L", 3: "RGB"}
GRAY_MODES = ("1", "L", "LA", "I", "I;16", "F")  # Pillow modes read as one channel


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
