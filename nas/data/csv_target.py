"""Which column of a CSV (or .tsv, or flat ARFF) file is the target when --target is not given,
and the target's kind where the file's layout says it (nas.data.csv_file reads the file).

The readings, each said in a `data:` note: the one column with a conventional name; the value
column of a file of one series over time; an ARFF file's last attribute; in a file without a
header row, the first column when it holds class labels (the UCR archive's layout) or the last
(UCI's iris.data).
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nas.data.arff_file import is_arff
from nas.data.layouts import SERIES_MIN_STEPS, looks_like_series
from nas.data.categories import MAX_CATEGORIES
from nas.data.tables import NO_HEADER, Columns, as_numbers, looks_like_classes, orders_rows, read_csv
from nas.data.time_grid import skipped_step

if TYPE_CHECKING:
    from nas.data import DataSpec


def series_column(columns: Columns, target: str | None = None) -> str | None:
    """The value column of a file that holds one series over time, else None: every column but
    one orders the rows (`orders_rows`: a date, a year; or skips some steps of a year or a day:
    nas.data.time_grid), and the one left is numbers (`target`,
    when given). Such a file has one reading, a forecast: as a table its only feature would be
    the date. A text column that repeats (a category) makes it a table."""
    values = []
    for name, column in columns.items():
        numbers = as_numbers(column)
        if not orders_rows(column, numbers) and skipped_step(numbers) is None:
            if numbers is None or values:
                return None  # a category, or a second column of values: a table (found at once on a wide one)
            values.append(name)
    return values[0] if values and target in (None, values[0]) else None


# Column names that say "this is what to predict" in exported tables (scikit-learn's frames:
# target; Keras / UCR exports: label, class; textbooks: y). Matched in any case.
TARGET_NAMES = ("target", "label", "class", "y")


def _holds_classes(values: np.ndarray) -> bool:
    """Class labels: few integers, each seen a few times (nas.data.tables.looks_like_classes), or
    text of at most MAX_CATEGORIES values, one of them seen twice (not an id); two values at
    least (the first pixel of scikit-learn's digits.csv.gz is 0 in every row: not the label)."""
    distinct = len(np.unique(values))
    if distinct < 2:
        return False
    numbers = as_numbers(values)
    if numbers is not None:
        return looks_like_classes(numbers)
    return distinct <= MAX_CATEGORIES and distinct < len(values)


def _repeated_integers(numbers: np.ndarray | None) -> bool:
    """Integers, 2 to MAX_CATEGORIES distinct values, each seen at least twice, none missing:
    labels, where the file's layout or the column's name says the column holds classes."""
    return (numbers is not None and bool(np.isfinite(numbers).all()) and len(np.unique(numbers)) >= 2
            and looks_like_classes(numbers, most=MAX_CATEGORIES, fewest=2))


def _archive_labels(columns: Columns) -> bool:
    """The UCR archive's layout beyond `_holds_classes`: a first column of repeated integers
    before columns that are one series a row. Why: the archive's Adiac (37 classes), FiftyWords
    (50), ShapesAll (60) or PigCVP (52 classes of 2 training rows) are classes, and such a column
    before a row of steps is nothing else."""
    if len(columns) <= SERIES_MIN_STEPS or not _repeated_integers(as_numbers(columns["0"])):
        return False
    steps = [as_numbers(v) for name, v in columns.items() if name != "0"]
    return all(s is not None for s in steps) and looks_like_series(np.stack(steps, axis=1))  # type: ignore[arg-type]


# A target column so named holds classes, whatever their number ("target" and "y" do not say:
# scikit-learn's diabetes frame calls its disease progression `target`).
CLASS_COLUMNS = ("label", "class", "labels", "category")


def implied_kind(columns: Columns, target: str | None) -> tuple[str | None, list[str]]:
    """('classification', what to say) where the file says its target holds classes beyond
    nas.data.tables.looks_like_classes (more than 20 integers, or a class of 2 rows, read as a
    number otherwise): a column named as classes (CLASS_COLUMNS) of repeated integers, said; the
    first column of a file without a header row that `_archive_labels` takes for the UCR
    archive's labels (said already, as the target). (None, []) otherwise: the kind is inferred
    (text, and integers looks_like_classes takes, are classes there already)."""
    numbers = as_numbers(columns[target]) if target is not None and target in columns else None
    if target is None or numbers is None or looks_like_classes(numbers):
        return None, []
    if target.lower() in CLASS_COLUMNS and _repeated_integers(numbers):
        return "classification", [f"target '{target}' read as {len(np.unique(numbers))} classes (its name says so; "
                                  f"`--kind regression` reads it as a number)"]
    if target == "0" and _archive_labels(columns):
        return "classification", []
    return None, []


def implied_target(path: Path, spec: DataSpec) -> tuple[str | None, str]:
    """The target a CSV implies when --target is not given, and the note that says why: the one
    column with a conventional name, the first column of a file without a header row when it
    holds class labels (the UCR archive's .tsv), else its last (UCI's iris.data), the value column
    of a file of one series, or a forecast series' only numeric column."""
    read: list[str] = []
    names = list(read_csv(path, read, head=1))  # the names alone: a large file is read in full once, later
    named = [name for name in names if name.lower() in TARGET_NAMES]
    if len(named) == 1:
        return named[0], f"no --target: column '{named[0]}' is the target (its name says so; --target picks another)"
    no_header = any(note.startswith(NO_HEADER) for note in read)  # not pandas' 0, 1, 2 header: that could be anything
    columns = read_csv(path)
    if (value := series_column(columns)) is not None:
        others = ", ".join(f"'{n}'" for n, v in columns.items() if as_numbers(v) is None)  # numeric: read_series says
        return value, (f"no --target: forecasting '{value}', the file's one column of values over time"
                       + (f" ({others} read as the time)" if others else ""))
    if is_arff(path) and not spec.window:
        return names[-1], (f"no --target: '{names[-1]}', the last attribute, is the target (Weka's convention for an "
                           f"ARFF file; --target picks another)")
    if not (no_header or spec.window):
        return None, ""
    if no_header and not spec.window:
        last = str(len(columns) - 1)
        if _holds_classes(columns["0"]) or _archive_labels(columns):
            return "0", ("no --target: column 0, the first, is the target (a file without a header row whose first "
                         "column holds class labels: the UCR archive's layout; --target N picks another)")
        if _holds_classes(columns[last]):
            return last, (f"no --target: column {last}, the last, is the target (a file without a header row whose "
                          f"last column holds class labels: UCI's layout, as iris.data; --target N picks another)")
    numeric = [name for name, values in columns.items() if as_numbers(values) is not None]
    if spec.window and len(numeric) == 1:
        return numeric[0], f"no --target: forecasting '{numeric[0]}', the file's only numeric column"
    return None, ""
