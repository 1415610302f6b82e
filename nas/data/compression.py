"""Compressed data files, read as pandas reads them: by the last suffix (`sales.csv.gz`), the one
before it naming the format; a `.zip` holding one file (`sales.csv.zip`: Kaggle's and river's
downloads) is that file. Why: UCI's and Kaggle's downloads, scikit-learn's own digits.csv.gz
and JSON Lines dumps come so; a user should not have to decompress one first."""
from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any



def _zip_open(path: Path, mode: str, newline: str, encoding: str) -> IO[str]:
    """The one data file inside a ZIP archive, as text (macOS's `__MACOSX/` copies aside); an
    archive of several is refused, as pandas refuses it: which one to read is the user's call."""
    with zipfile.ZipFile(path) as archive:
        inside = [m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith("__MACOSX/")]
        if len(inside) != 1:
            names = ", ".join(m.filename for m in inside[:3]) + (", ..." if len(inside) > 3 else "")
            raise zipfile.BadZipFile(f"a ZIP archive of {len(inside)} files{f' ({names})' if inside else ''}, "
                                     f"not one: extract it and pass the file to read")
        return io.StringIO(archive.read(inside[0]).decode(encoding), newline=newline)


COMPRESSED: dict[str, Callable[..., Any]] = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open, ".zip": _zip_open}
# What a damaged compressed file raises as it is read (a truncated gzip: EOFError; bad xz data:
# LZMAError; a ZIP archive that is not one, or holds several files: BadZipFile).
COMPRESSION_ERRORS = (EOFError, lzma.LZMAError, zipfile.BadZipFile)


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
