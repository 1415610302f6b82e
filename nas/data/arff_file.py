"""ARFF files (`--data iris.arff`): Weka's format, what OpenML and the UCR/UEA archives' downloads
ship (`GunPoint_TRAIN.arff`), read by scipy's reader (scipy comes with scikit-learn).

Why: a user who downloads a set from OpenML, Weka's collection or timeseriesclassification.com
gets an ARFF file beside (or instead of) a CSV. Nothing in it needs a new loader:
- a flat ARFF (numeric, nominal and date attributes: a table, or the UCR archive's univariate
  series, one per row) becomes the columns a CSV gives (`arff_table`), so the target, the
  categories, missing cells (`?`) and series-per-row detection are the CSV reader's;
- an ARFF with a relational attribute (the UEA archive's multivariate series: one C x T block
  per row) is a file of series, read like a .ts file by aeon's reader (nas.data.ts_file).
Weka's convention, the class is the last attribute, is the implied target
(nas.data.csv_file._implied_target) when no column is named as one.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nas.errors import DataError, first_line

ARFF = ".arff"
# What scipy's reader raises on a file it cannot read (a bad header or row; string attributes,
# which it does not support, raise NotImplementedError).
ARFF_ERRORS = (OSError, ValueError, TypeError, IndexError, KeyError, NotImplementedError, UnicodeDecodeError)
HEADER_LINES = 100_000  # a header longer than this is not a header (a relational block names its steps)


def is_arff(path: Path) -> bool:
    return path.suffix.lower() == ARFF


def relational(path: Path) -> bool:
    """Whether the file's header declares a relational attribute (a series of several channels per
    row): the header alone is read, up to @data."""
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            for _, line in zip(range(HEADER_LINES), f):
                words = line.split()
                if words and words[0].lower() == "@data":
                    return False
                if len(words) >= 3 and words[0].lower() == "@attribute" and words[2].lower() == "relational":
                    return True
    except OSError as exc:
        raise DataError(f"{path}: unreadable ARFF file ({exc})") from None
    return False


def _text(values: np.ndarray, kind: str) -> np.ndarray:
    """One attribute's values as the strings a CSV cell would hold; missing ones empty (the CSV
    reader's missing cell). Numbers keep every digit (NumPy's shortest round-trip repr)."""
    if kind == "nominal":
        text = np.char.decode(values.astype(bytes), "utf-8")
        return np.where(text == "?", "", text)
    text = values.astype(str)
    return np.where(np.isin(text, ("nan", "NaT")), "", text)


def arff_table(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """A flat ARFF file's attribute names, its rows as a 2-D array of strings and the notes to say;
    a one-line DataError for a file scipy cannot read (its reader parses the whole file, so there is
    no reading of the first rows alone)."""
    from scipy.io import arff

    try:
        data, meta = arff.loadarff(path)
    except ARFF_ERRORS as exc:
        raise DataError(f"{path}: unreadable ARFF file ({first_line(exc)})") from None
    names = list(meta.names())
    body = np.stack([_text(data[name], meta[name][0]) for name in names], axis=1) if len(data) else np.empty((0, len(names)), str)
    return names, body, []
