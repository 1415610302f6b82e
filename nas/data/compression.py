"""Compressed data files, read as pandas reads them: by the last suffix (`sales.csv.gz`), the one
before it naming the format. Why: UCI's and Kaggle's downloads, scikit-learn's own digits.csv.gz
and JSON Lines dumps come so; a user should not have to decompress one first."""
from __future__ import annotations

import bz2
import gzip
import lzma
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

COMPRESSED: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
# What a damaged compressed file raises as it is read (a truncated gzip: EOFError; bad xz data: LZMAError).
COMPRESSION_ERRORS = (EOFError, lzma.LZMAError)


def format_suffix(path: Path) -> str:
    """The suffix that names the file's format, in lower case: `.csv` for sales.csv and sales.csv.gz."""
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] in COMPRESSED:
        return suffixes[-2]
    return path.suffix.lower()


def data_name(path: Path) -> str:
    """A file's name without its suffixes of format and compression (sales for sales.csv.gz)."""
    name = path.name
    if path.suffix.lower() in COMPRESSED:
        name = name[: -len(path.suffix)]
    return Path(name).stem


def open_text(path: Path, encoding: str) -> IO[str]:
    """The file as text, decompressed when its suffix says so (COMPRESSED)."""
    opener = COMPRESSED.get(path.suffix.lower())
    return path.open(newline="", encoding=encoding) if opener is None else opener(path, "rt", newline="", encoding=encoding)
