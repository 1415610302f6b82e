"""ARFF files (`--data iris.arff`): Weka's format, what OpenML and the UCR/UEA archives' downloads
ship (`GunPoint_TRAIN.arff`), read by scipy's reader (scipy comes with scikit-learn).

Why: a user who downloads a set from OpenML, Weka's collection or timeseriesclassification.com
gets an ARFF file beside (or instead of) a CSV. Nothing in it needs a new loader:
- a flat ARFF (numeric, nominal and date attributes: a table, or the UCR archive's univariate
  series, one per row) becomes the columns a CSV gives (`arff_table`), so the target, the
  categories, missing cells (`?`) and series-per-row detection are the CSV reader's;
- string attributes and sparse rows, which scipy's reader refuses, are read line by line
  (`_plain_table`) into the same columns: a dense row is a CSV line, a sparse one index-value
  pairs. Not liac-arff, the one library that reads both: no release since 2020, no wheel;
- an ARFF with a relational attribute (the UEA archive's multivariate series: one C x T block
  per row) is a file of series, read like a .ts file by aeon's reader (nas.data.ts_file).
Weka's convention, the class is the last attribute, is the implied target
(nas.data.csv_target.implied_target) when no column is named as one.
"""
from __future__ import annotations

import csv
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
    a one-line DataError for a file that cannot be read (scipy's reader parses the whole file, so
    there is no reading of the first rows alone). What scipy refuses, string attributes and sparse
    rows (OpenML's text and bag-of-words sets), is read by `_plain_table`."""
    from scipy.io import arff

    try:
        data, meta = arff.loadarff(path)
    except ARFF_ERRORS as exc:
        try:
            return _plain_table(path)
        except _Unreadable:
            raise DataError(f"{path}: unreadable ARFF file ({first_line(exc)})") from None
    names = list(meta.names())
    body = np.stack([_text(data[name], meta[name][0]) for name in names], axis=1) if len(data) else np.empty((0, len(names)), str)
    return names, body, []


class _Unreadable(Exception):
    """Not an ARFF file `_plain_table` reads either: scipy's own error is the one to show."""


def _attribute(line: str) -> tuple[str, str]:
    """(name, type) of an `@attribute` line; a quoted name may hold spaces, a nominal type is {..}."""
    rest = line.split(None, 1)[1].strip() if len(line.split(None, 1)) > 1 else ""
    if rest[:1] in "'\"" and rest:
        end = rest.find(rest[0], 1)
        name, kind = rest[1:end], rest[end + 1:].strip()
    else:
        name, _, kind = rest.partition(" ")
        kind = kind.strip()
    if not name or not kind:
        raise _Unreadable
    return name, kind


def _cells(line: str) -> list[str]:
    """One dense data row's cells: comma-separated, quoted with ' (Weka) or " (other writers)."""
    quote = "'" if "'" in line else '"'
    return [c.strip() for c in next(csv.reader([line], quotechar=quote, skipinitialspace=True))]


def _sparse(line: str, defaults: list[str]) -> list[str]:
    """A sparse row `{3 1.5, 7 'a b'}`: the cells given by index, every other one its default (0;
    a nominal attribute's first value), as the format defines."""
    cells = list(defaults)
    inner = line.strip()[1:-1].strip()
    for pair in _cells(inner) if inner else []:
        index, _, value = pair.partition(" ")
        if not index.isdigit() or int(index) >= len(cells):
            raise _Unreadable
        cells[int(index)] = value.strip().strip("'\"")
    return cells


NUMERIC_TYPES = frozenset({"numeric", "real", "integer"})


def _number(cell: str) -> bool:
    """Is a numeric attribute's cell a number or missing (`?`)?"""
    try:
        float(cell)
    except ValueError:
        return cell == "?"
    return True


def _plain_table(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """A flat ARFF file read line by line: numeric, nominal, string and date attributes, dense or
    sparse rows; missing cells (`?`) empty, as the CSV reader's. _Unreadable for anything else."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        raise _Unreadable from None
    names, defaults, numeric, rows, data = [], [], [], [], False
    for line in lines:
        text = line.strip()
        if not text or text.startswith("%"):
            continue
        if not data:
            word = text.split(None, 1)[0].lower()
            if word == "@attribute":
                name, kind = _attribute(text)
                if kind.lower().startswith("relational"):
                    raise _Unreadable
                names.append(name)
                numeric.append(kind.lower() in NUMERIC_TYPES)
                defaults.append(kind[1:].split(",")[0].strip().strip("'\"") if kind.startswith("{") else "0")
            elif word == "@data":
                data = True
            continue
        cells = _sparse(text, defaults) if text.startswith("{") else _cells(text)
        if len(cells) != len(names) or not all(_number(c) for c, n in zip(cells, numeric) if n):
            raise _Unreadable
        rows.append(["" if c == "?" else c for c in cells])
    if not names or not data:
        raise _Unreadable
    return names, np.array(rows, dtype=str).reshape(len(rows), len(names)), []
