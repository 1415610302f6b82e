"""A CSV (or .tsv, or a flat ARFF) file (`--data table.csv`) -> Raw or Series: a table (--target), a series to
forecast (--window), or one series per row; the target implied by its name or layout when not
given (nas.data.csv_target).

What an AutoML tool does with a real export, each said in a `data:` note: rows without a target,
classes too rare to split and id-like text columns are left out. Every problem is a one-line
DataError naming the file and what is wrong.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from nas.data._raw import Raw, Series
from nas.data._split import MIN_PER_CLASS
from nas.data._task import filled_note
from nas.data.categories import MAX_CATEGORIES, id_like, many_values_said, repeated
from nas.data.csv_target import implied_kind, implied_target, series_column
from nas.data.dates import AMBIGUOUS, ORDERS, as_dates, date_notations, date_order, dates_said
from nas.data.gaps import filled_gaps, filled_series
from nas.data.layouts import SERIES_MIN_STEPS, looks_like_series
from nas.data.long_csv import LongLayout, long_layout, long_raw
from nas.data.time_grid import on_grid, skipped_step
from nas.data.tables import (DATED_INDEX, NO_HEADER, ROW_INDEX, Columns, as_numbers, encode_target,
                             missing_cells, numeric_column, orders_rows, pick_target, read_csv)
from nas.errors import DataError, UsageError

if TYPE_CHECKING:
    from nas.data import DataSpec


def csv_rows_are_series(path: Path, target: str | None = None) -> bool:
    """Whether a CSV's numeric columns, in file order, look like one series per row
    (nas.data.layouts.looks_like_series; the target column among them moves the mean little), and
    at most one text column of few values (the label) lies beside them: when `target` is given,
    a text column that is not it is a feature, and the file a table (a series' steps are numbers).
    A text column of many values that repeat is a feature (tidyr's who: 56 counts by age and sex
    beside `country`, a table of country-years, not series of 56 steps)."""
    columns = read_csv(path)
    parsed = {name: as_numbers(values) for name, values in columns.items()}
    numbers = [v for v in parsed.values() if v is not None]
    categories = [name for name, v in parsed.items() if v is None and (
        len(set(cells := columns[name].tolist())) <= MAX_CATEGORIES or repeated(cells))]
    if len(categories) > 1 or (target is not None and any(name != target for name in categories)):
        return False  # a text feature besides a text label: a table
    return len(numbers) > 0 and looks_like_series(np.stack(numbers, axis=1))


def _rows(columns: Columns, keep: np.ndarray) -> Columns:
    """Every column cut to the rows `keep` selects."""
    return {name: values[keep] for name, values in columns.items()}


def _labelled(path: Path, columns: Columns, target: str, notes: list[str]) -> Columns:
    """The rows whose target cell holds a value (nothing can be learned from the others)."""
    labelled = ~missing_cells(pick_target(path, columns, target))
    if not labelled.any():
        raise DataError(f"{path}: column '{target}' has no values")
    if labelled.all():
        return columns
    notes.append(f"{int((~labelled).sum())} of {len(labelled)} rows left out: their target '{target}' is missing")
    return _rows(columns, labelled)


def _common_classes(path: Path, target: str, y: np.ndarray, names: list[str],
                    notes: list[str]) -> tuple[np.ndarray | None, np.ndarray, list[str]]:
    """Rows to keep (None: all), class indices and names once classes seen fewer than
    MIN_PER_CLASS times are left out: a stratified split needs one of each in train, validation
    and test. Kept as they are (the split then refuses them) when fewer than 2 classes remain;
    refused here when there are also too many values for them to: a target of names or dates, a
    different one in (nearly) every row, is not classes to learn (the split's own refusal, for a
    few classes with too few rows, speaks of integer targets, which this is not)."""
    counts = np.bincount(y, minlength=len(names))
    common = counts >= MIN_PER_CLASS
    if common.sum() < 2 and len(names) * MIN_PER_CLASS > len(y):
        raise DataError(f"{path}: column '{target}' holds {len(names)} distinct values in {len(y)} rows, fewer than 2 of "
                        f"them in {MIN_PER_CLASS} rows or more: not classes to learn (a class needs examples; "
                        f"a value per row is a name or a date; --target picks another column)")
    if common.all() or common.sum() < 2:
        return None, y, names
    keep = common[y]
    rare = [f"'{names[c]}' ({counts[c]})" for c in np.flatnonzero(~common)]
    notes.append(f"{int((~keep).sum())} rows of class(es) {', '.join(rare)} left out: fewer than {MIN_PER_CLASS} "
                 f"examples each, too few to split into train, validation and test")
    renumber = np.cumsum(common) - 1
    return keep, renumber[y[keep]], [n for n, c in zip(names, common) if c]


# What the first column of an exported frame is called when it numbers the rows: R's `rownames`
# (Rdatasets) and `X` (read.csv of a write.csv file), readr's `...1`, pandas' `Unnamed: 0` and
# `index` (a frame read back, or reset_index), and the usual id columns (Kaggle's `Id`).
ROW_NUMBER_NAMES = frozenset({"rownames", "row.names", "x", "...1", "unnamed: 0", "index", "id", "row", "row_id", "rowid"})


def _row_number(columns: Columns, target: str | None) -> str | None:
    """The first column when it only numbers the rows: named as exports name a row index
    (ROW_NUMBER_NAMES) and counting 0, 1, 2, ... or 1, 2, 3, ... down the file (a few numbers
    skipped where the exporter had dropped rows). As a feature it
    tells a model where a row sat in the file: nothing about a new row, and for a file sorted by
    anything (R's Boston by town) a proxy of it. Both tests are needed: a first column `dose`
    running 1 to 10, or an `id` that does not count the rows, is data. None otherwise."""
    name = next(iter(columns), None)
    if name is None or name == target or name.strip().lower() not in ROW_NUMBER_NAMES:
        return None
    numbers = as_numbers(columns[name])
    if numbers is None or len(numbers) <= MIN_PER_CLASS or not np.isfinite(numbers).all():
        return None
    steps = np.diff(numbers)
    # counting up by whole numbers from 0 or 1; a few skipped (rows the exporter had dropped: R's
    # Auto keeps 392 of its 397 row names), never more than a tenth of the count
    counts = numbers[0] in (0, 1) and np.all(numbers == np.round(numbers)) and np.all(steps >= 1)
    return name if counts and numbers[-1] - numbers[0] + 1 <= 1.1 * len(numbers) else None


def _without_row_number(columns: Columns, target: str | None, notes: list[str]) -> Columns:
    """`columns` without a first column that numbers the rows (`_row_number`), said in `notes`."""
    if (counter := _row_number(columns, target)) is None:
        return columns
    first, last = (int(v) for v in as_numbers(columns[counter])[[0, -1]])
    notes.append(f"column '{counter}' ignored: it numbers the rows {first} to {last} (a row index, not a measurement)")
    return {name: values for name, values in columns.items() if name != counter}


def many_series(path: Path, target: str | None = None, one_time_line: bool = True) -> LongLayout | None:
    """The columns of a CSV of many series in long format (nas.data.long_csv), a row number
    aside; None when it is not one. `one_time_line`: DataSpec's flag (False: a study stored
    before the rule, read as it was)."""
    return long_layout(_without_row_number(read_csv(path), target, []), target, one_time_line)


def _as_stored(columns: Columns, notes: list[str], spec: DataSpec) -> Columns:
    """The columns as a study stored before `DataSpec.index_dates` read them: its nameless first
    column of dates dropped as a row index, said as it was."""
    if spec.index_dates or DATED_INDEX not in notes:
        return columns
    notes[notes.index(DATED_INDEX)] = ROW_INDEX
    return {name: values for name, values in columns.items() if name != "index"}


def _long(path: Path, spec: DataSpec, layout: LongLayout) -> Raw:
    """The many series of a long-format CSV (nas.data.long_csv.long_raw), its row number said."""
    notes: list[str] = []
    columns = _without_row_number(read_csv(path, notes), spec.target, notes)
    raw = long_raw(path, columns, layout, spec.window)
    return replace(raw, notes=(*notes, *raw.notes))


class Followed(NamedTuple):
    """What the training file's reading decided about its columns, for reading its test file alike."""

    categories: frozenset[str]  # text columns one-hot encoded
    ignored: frozenset[str]  # columns left out (id-like text)
    date_orders: dict[str, str]  # date columns not in ISO 8601: the order of day and month found (nas.data.dates)


def followed(train: Raw, train_path: Path) -> Followed:
    """`Followed` for the table `train` read from `train_path`."""
    kept = {*train.categorical, *(train.columns or []), str(train.extra.get("target"))}
    orders = dict(train.extra.get("date_orders") or {})  # type: ignore[call-overload]
    return Followed(frozenset(train.categorical), frozenset(set(read_csv(train_path, head=1)) - kept), orders)


def _feature_columns(path: Path, columns: Columns, target: str, notes: list[str],
                     follow: Followed | None = None, notations: tuple[str, ...] = tuple(ORDERS),
                     repeats: bool = True) -> tuple[Columns, Columns, dict[str, str]]:
    """(numeric columns as floats, text columns to one-hot, the order of day and month of each
    date column not in ISO 8601), the target left out. A column of dates is a number, its decimal
    year (nas.data.dates; in `notations`); an id-like text column (nas.data.categories.id_like,
    `repeats` the spec's `many_categories` reading) is ignored, not refused. `follow`: what the
    training file's reading decided, when this is its test file: the columns training ignored are
    ignored, its categories stay categories (a small test file may hold each once) and its dates
    are read in the training file's order."""
    numeric, text, orders = {}, {}, {}
    for name, values in columns.items():
        if name == target or (follow is not None and name in follow.ignored):
            continue
        if follow is not None and name in follow.categories:
            text[name] = values
            continue
        if (numbers := as_numbers(values)) is not None:
            numeric[name] = numeric_column(path, name, values, missing_ok=True, numbers=numbers)
            continue
        missing = missing_cells(values)
        order = (follow.date_orders.get(name) if follow is not None else None) or date_order(values, missing)
        if order in notations and (years := as_dates(values, missing, order)) is not None:  # type: ignore[arg-type]
            numeric[name] = years
            if order != "iso":
                orders[name] = str(order)
            if follow is None:
                notes.append(dates_said(name, str(order), years))
            continue
        if order == AMBIGUOUS and follow is None and notations:
            notes.append(f"column '{name}' holds dates, but no number above 12 tells day/month from month/day: read as text")
        if follow is None and (why := id_like(values, repeats)) is not None:
            notes.append(f"text column '{name}' ignored: {why}")
            continue
        if follow is None and (many := many_values_said(name, values)):
            notes.append(many)
        text[name] = values
    if not numeric and not text:
        raise DataError(f"{path}: no usable feature columns besides the target '{target}'")
    return numeric, text, orders


def _table(path: Path, spec: DataSpec, every_class: bool = False, follow: Followed | None = None) -> Raw:
    """A CSV table: numeric columns as X, text columns kept for one-hot encoding after the split.

    What an AutoML tool does with a real export (AutoGluon does the same): rows without a
    target, and classes too rare to split, are left out, and id-like text columns and a row
    number ignored. Each
    is said in a note printed when the search starts, and replayed on every reload of the data.
    `every_class` keeps rare classes (a test file, nas.data.given_test: scored as given, never split),
    as does a training file with a test file (`spec.test_path`: its rows are only cut into training
    and validation, which a class of one or two rows allows, nas.data._split);
    `follow` reads a test file's columns as its training file's were read.
    """
    notes: list[str] = []
    columns = _as_stored(read_csv(path, notes), notes, spec)
    if follow is None:
        columns = _without_row_number(columns, spec.target, notes)
    columns = _labelled(path, columns, spec.target, notes)
    y, kind, names = encode_target(path, f"column '{spec.target}'", columns[spec.target], spec.kind, one_class=every_class)
    if spec.kind is None and follow is None and not any(note.startswith(NO_HEADER) for note in notes):
        notes.extend(_counted_classes(spec.target, names))
    if kind == "classification" and not every_class and spec.test_path is None:  # a test file's rows need no splitting
        keep, y, names = _common_classes(path, spec.target, y, names, notes)
        if keep is not None:
            columns = _rows(columns, keep)
    numeric, text, orders = _feature_columns(path, columns, spec.target, notes, follow,
                                             date_notations(**spec.date_reading()), spec.many_categories)
    X = np.stack(list(numeric.values()), axis=1).astype(np.float32) if numeric else np.zeros((len(y), 0), np.float32)
    if follow is None and (filled := filled_note(np.isnan(X), list(numeric))):
        notes.append(filled)
    extra: dict[str, object] = {"target": spec.target, **({"date_orders": orders} if orders else {})}
    return Raw(X, y, kind, names, f"{path} (CSV table, target '{spec.target}')", columns=list(numeric),
               categorical=text, extra=extra, notes=tuple(notes))


def _counted_classes(target: str, names: list[str]) -> list[str]:
    """A note when a column of 3 or more distinct integers was read as classes (nas.data.tables.
    looks_like_classes). Why: a count (children, visits) reads as classes as well as a coded
    category does, and the two are searched and scored differently (accuracy, not RMSE); the user
    is told which reading was taken and the flag that takes the other. Not said for a file without
    a header row: its integer column is the class labels of the UCR or UCI layout, said already.
    The names tell integers from text: `encode_target` names classes read from numbers `class_name`'s
    way ('2', not '2.0'), so the column is not parsed a second time."""
    if len(names) < 3 or not all(name.lstrip("-").isdigit() for name in names):  # classes read from text
        return []
    return [f"target '{target}' read as {len(names)} classes (the integers {names[0]} to {names[-1]}); "
            "`--kind regression` reads it as a number"]


def _rows_as_series(path: Path, spec: DataSpec, every_class: bool = False) -> Raw:
    """A CSV whose rows are series (`--task sequence`, no --window: a UCR set exported with its
    label as a column): the numeric columns in file order are the T steps of one channel."""
    if spec.target is None:
        raise UsageError(f"--window: a sequence task on the CSV {path} needs --window W (forecast one series: steps "
                         f"per input) or --target T (one series per row, T its label or value)")
    table = _table(path, spec, every_class)
    if table.X.shape[1] < SERIES_MIN_STEPS:
        raise UsageError(f"--window: {path} has {table.X.shape[1]} numeric column(s) besides '{spec.target}', too few "
                         f"for one series per row (at least {SERIES_MIN_STEPS} steps); to forecast the column as one "
                         f"series pass --window W (steps per input)")
    if table.categorical:
        name = next(iter(table.categorical))
        raise DataError(f"{path}: column '{name}' is text; the columns of a series (one row per series) are numbers "
                        f"(--task tabular reads it as a table)")
    X, filled = filled_series(path, table.X[:, :, None])  # missing steps, and the NaN padding of unequal lengths
    steps = table.X.shape[1]
    notes = (*table.notes, f"each row read as a series of {steps} steps, one channel (the columns in file order, "
                           f"'{spec.target}' left out; --task tabular reads each column as a feature)")
    return replace(table, X=X, source=f"{path} (CSV, one series per row, target '{spec.target}')",
                   notes=(*notes, filled) if filled else notes)


def _counts_rows(numbers: np.ndarray) -> bool:
    """Is a time column (rising numbers) a row number: from 0 or 1 by ones, some perhaps skipped
    (rows an exporter dropped)? Such a time neither grids a file nor names its steps while another
    time can. (`_row_number` asks more of a first column it drops from a table: its name, few skips.)"""
    return bool(numbers[0] in (0, 1) and float(np.diff(numbers).min()) == 1)


def _step_names(columns: Columns, parsed: dict[str, np.ndarray | None], times: list[str],
                grid: dict[str, Any] | None) -> str | None:
    """The time column that best names a series' steps: the one that skips steps (it grids the
    file), else a date (text), else a numeric time that is not a row number (1, 2, 3, ...), else
    any numeric time; None without one."""
    dates = [n for n, v in columns.items() if parsed[n] is None and orders_rows(v, None)]
    counted = [n for n in times if _counts_rows(parsed[n])]  # type: ignore[arg-type]
    ranked = [*([grid["column"]] if grid else []), *dates, *[n for n in times if n not in counted], *counted]
    return ranked[0] if ranked else None


def read_series(path: Path, spec: DataSpec, like: list[str] | None = None, grid: dict[str, Any] | None = None) -> Series:
    """A CSV series: every numeric column but those that are the time (a year, a row number; dates and
    other text are skipped), the target forecast later; `like`: exactly these columns, in this
    order, and `grid` the training file's (a test file continuing the series --data holds,
    nas.data.given_test). A numeric time that skips steps has them inserted (nas.data.time_grid)."""
    notes: list[str] = []
    columns = read_csv(path, notes)
    pick_target(path, columns, spec.target)
    parsed = {n: as_numbers(v) for n, v in columns.items()}  # each column parsed once
    time = None  # the column that names each step (`_step_names`), for `nas predict`
    if parsed[str(spec.target)] is None:
        raise DataError(f"{path}: column '{spec.target}' is not numeric, so it cannot be a regression target")
    if like is not None:
        if missing := [c for c in like if c not in columns]:
            raise DataError(f"{path}: no column '{missing[0]}', which --data has")
        numeric = list(like)
    else:
        numeric = [n for n, v in parsed.items() if v is not None]  # text columns (dates) are skipped
        skips = {n: step for n in numeric if n != spec.target and spec.skipped_steps
                 and (step := skipped_step(parsed[n])) is not None}
        # The first column that skips steps grids the file; a row number with a gap (1, 2, 4, ...) only when
        # no other does (DAAG's geophones: its distance, not its rownames).
        ranked = sorted(skips, key=lambda n: _counts_rows(parsed[n]))  # type: ignore[arg-type]
        grid = {"column": ranked[0], "step": skips[ranked[0]]} if ranked else None
        times = [n for n in numeric if n != spec.target and (orders_rows(columns[n], parsed[n]) or n in skips)]
        if times:  # a year or a row number: where a window lies, not what happened; beyond the training years in the test
            notes.append(f"column(s) {', '.join(repr(n) for n in times)} read as the time, not as an input")
        numeric = [n for n in numeric if n not in times]
        time = _step_names(columns, parsed, times, grid)
    if grid is not None and grid["column"] in columns:
        columns, inserted = on_grid(path, columns, grid["column"], grid["step"])
        parsed = {n: as_numbers(v) for n, v in columns.items()}
        notes.append(f"column '{grid['column']}' rises by {grid['step']:g} but skips {inserted} step(s): "
                     f"inserted as missing steps")
    # missing steps are filled below; an infinity is refused here
    raw = {n: numeric_column(path, n, columns[n], missing_ok=True, numbers=parsed[n]) for n in numeric}
    filled = {n: filled_gaps(path, n, v) for n, v in raw.items()}
    if gaps := {n: count for n, (_, count) in filled.items() if count}:
        notes.append(f"{', '.join(f'{count} missing step(s) of {n!r}' for n, count in gaps.items())} filled by linear "
                     f"interpolation between their neighbours")
    values = np.stack([v for v, _ in filled.values()], axis=1).astype(np.float32)
    target_gaps = np.isnan(raw[str(spec.target)])
    return Series(values, list(numeric), str(spec.target), f"{path} (CSV series, forecasting '{spec.target}')",
                  notes=tuple(notes), gaps=target_gaps if target_gaps.any() else None, grid=grid, time=time)


def load_csv(path: Path, spec: DataSpec, every_class: bool = False, follow: Followed | None = None) -> Raw | Series:
    """Many series in long format (`many_series`, a sequence task); a table (--target); a series
    whose --target is forecast one step ahead, with --window or for a sequence task on a file of
    one series over time (`series_column`; the window then chosen by nas.data.window); for
    another sequence task, one series per row (`_rows_as_series`).
    Without --target, an obvious target is taken and said (nas.data.csv_target); it is stored with
    the study's preprocessing, and found the same way again on every reload."""
    if spec.task == "sequence" and spec.kind != "classification" and (layout := many_series(path, spec.target, spec.one_time_line)):
        return _long(path, spec, layout)
    said = []
    if spec.target is None:
        target, note = implied_target(path, spec)
        spec, said = replace(spec, target=target), [note] if note else []
    forecast = bool(spec.window) or (spec.task == "sequence" and series_column(read_csv(path), spec.target) is not None)
    if spec.kind == "classification" and forecast:
        raise UsageError(f"--kind: forecasting a series ({'--window' if spec.window else path}) is regression")
    if forecast:
        data: Raw | Series = read_series(path, spec)
    else:
        kind, kind_said = implied_kind(read_csv(path), spec.target) if spec.kind is None else (None, [])
        spec, said = replace(spec, kind=spec.kind or kind), [*said, *kind_said]
        data = _rows_as_series(path, spec, every_class) if spec.task == "sequence" else _table(path, spec, every_class, follow)
    if not said:
        return data
    header: list[str] = []
    read_csv(path, header, head=1)  # what reading the header said (a row index, no header row) comes first
    return replace(data, notes=(*data.notes[:len(header)], *said, *data.notes[len(header):]))
