"""Many series in one CSV, a row per series and step (`--data sales.csv`) -> the series of a
.tsf file, forecast as one is (nas.data.tsf_file: one model of them all, each series' windows
read as changes in its own units).

This is the long format of Nixtla's StatsForecast and NeuralForecast (`unique_id, ds, y`),
Darts, GluonTS and Kaggle's forecasting competitions. Read as a table, its only feature would be
the date (the id, a name per series, is left out), and the model a regression on time: nothing a
forecaster would ship.

Recognised when the file holds exactly three columns, a row number aside: an id that repeats (two
series or more), a time that orders each series' rows at a regular step (`_times_each`: years,
step numbers in a column named as a time, ISO dates) that starts again in each series (a time
rising down the whole file is one series, the id a regime: `_one_time_line`) and numbers, the
value; the series must be long enough to
forecast (a median of SERIES_MIN_STEPS steps: fewer is a grouped table, R's sleep holds 2 groups
of 10). Any other column makes the file a table (a panel regression: Grunfeld's investment on
firm, year, value and capital), as do `--task tabular`, `--kind classification` and a
`--target` that is not the value.

The split, in time within each series: its last fifth (TEST_SHARE of the median series, at least
one step) tests, the fifth before validates, the rest trains: the 60 / 20 / 20 of nas's other
splits. The window: the season of the longest series' training part (nas.data.window, by
autocorrelation), else 8 steps; `--window` sets it.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from itertools import permutations
from pathlib import Path

import numpy as np

from nas.data._raw import Raw
from nas.data.gaps import filled_gaps
from nas.data.layouts import SERIES_MIN_STEPS
from nas.data.tables import Columns, as_numbers, orders_rows
from nas.data.tsf_file import Cut, TsfFile, series_raw
from nas.data.window import DEFAULT, season
from nas.errors import DataError

TEST_SHARE = 0.2  # of the median series' steps: the test horizon, and the validation one before it


@dataclass(frozen=True)
class LongLayout:
    """The three columns of a long-format file, by name."""

    id: str
    time: str
    value: str


def _groups(ids: np.ndarray) -> list[np.ndarray]:
    """Each id's rows, in file order, the ids in order of first appearance (one sort, not a scan per id)."""
    inverse = np.unique(ids, return_inverse=True)[1]
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    groups = np.split(order, bounds)
    return sorted(groups, key=lambda rows: int(rows[0]))


def _dates(values: np.ndarray) -> np.ndarray | None:
    """Text cells as dates when NumPy reads every one as ISO 8601 ('2020-01-31', '2020-01',
    '2020-01-31 13:00:00', what pandas writes), else None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a time zone suffix: read, and said to be dropped
        try:
            return np.array(values.tolist(), dtype="datetime64").astype("datetime64[s]")
        except ValueError:
            return None


# A column of step numbers is a time when it is named as one (Nixtla's `ds`, pandas' and
# Darts' usual names); a count 1, 2, 3 under another name is as often a cross-classified table's
# other factor (R's morley: 5 experiments of runs 1-20; crimtab: heights by finger lengths).
TIME_NAMES = frozenset({"ds", "date", "datetime", "timestamp", "time", "t", "step", "timestep", "time_idx", "period",
                        "year", "yr"})
YEARS = (1000, 2999)
REGULAR = 0.75  # of a series' steps at its usual spacing (within 0.9-1.12 of the median: months, weekdays)


def _regular(gaps: np.ndarray) -> bool:
    """Are most steps of the series about as far apart (daily, weekly, monthly with 28-31 days)?"""
    if len(gaps) == 0:
        return True
    usual = float(np.median(gaps))
    return usual > 0 and float(np.mean((gaps >= 0.9 * usual) & (gaps <= 1.12 * usual))) >= REGULAR


def _times_each(name: str, values: np.ndarray, numbers: np.ndarray | None, groups: list[np.ndarray]) -> bool:
    """Does the column order each series' rows in time, at a regular step: years or a column named
    as a time (TIME_NAMES) rising by one step within each series (nas.data.tables.orders_rows), or
    ISO dates rising at about one spacing within each? Step numbers under another name, names
    with a digit ('T1': an interleaved file's id) and dates grouped by a measurement (a day's
    low temperature: years apart) are not."""
    if numbers is not None:
        whole = bool(np.all(numbers == np.round(numbers)))
        years = whole and YEARS[0] <= float(np.min(numbers)) and float(np.max(numbers)) <= YEARS[1]
        named = name.strip().lower() in TIME_NAMES
        return (years or named) and all(orders_rows(values[rows], numbers[rows]) for rows in groups)
    dates = _dates(values)
    if dates is None:
        return False
    steps = [np.diff(dates[rows]) / np.timedelta64(1, "s") for rows in groups]
    return all(bool((gaps > 0).all()) and _regular(gaps) for gaps in steps)


def _one_time_line(values: np.ndarray, numbers: np.ndarray | None) -> bool:
    """Does the time rise down the whole file, each time once? Then the would-be id marks spans of
    one series (a law in force from some month on: sktime's seatbelts, `KSI, label`), not series of
    their own: in long format each series starts its own time again."""
    if numbers is not None:
        return bool(np.all(np.diff(numbers) > 0))
    dates = _dates(values)
    return dates is not None and bool(np.all(np.diff(dates) > np.timedelta64(0, "s")))


def long_layout(columns: Columns, target: str | None = None, one_time_line: bool = True) -> LongLayout | None:
    """The id, time and value columns when `columns` (a row number already left out) are many
    series in long format, else None (`one_time_line` False: without that rule, as a study
    stored before it read its file). Of the readings that fit, the one of the longest series:
    weeks 1-100 of 3 stores also fit as 100 weeks of 3 steps."""
    if len(columns) != 3:
        return None
    numbers = {name: as_numbers(values) for name, values in columns.items()}
    grouped = {name: _groups(values) for name, values in columns.items()}  # each column's series, were it the id
    best: tuple[float, LongLayout] | None = None
    for id_, time, value in permutations(columns):
        if numbers[value] is None or target not in (None, value):
            continue
        groups = grouped[id_]
        if not 2 <= len(groups) <= len(columns[id_]) // SERIES_MIN_STEPS:
            continue
        median = float(np.median([len(rows) for rows in groups]))
        if median < SERIES_MIN_STEPS or (best is not None and median <= best[0]):
            continue
        if (_times_each(time, columns[time], numbers[time], groups)
                and not _times_each(value, columns[value], numbers[value], groups)
                and not (one_time_line and _one_time_line(columns[time], numbers[time]))):
            best = (median, LongLayout(id_, time, value))
    return best[1] if best else None


def read_long(path: Path, columns: Columns, layout: LongLayout) -> TsfFile:
    """The series of a long-format file: each id's values in file order, missing ones (empty, NA)
    filled along the series; DataError, naming the series, for an infinite value or a series
    with no value."""
    values = as_numbers(columns[layout.value])
    if values is None:  # a file for `nas predict`, read by the training file's columns
        raise DataError(f"{path}: column '{layout.value}' is not numeric (the series' values)")
    names, series, times, filled, empty = [], [], [], 0, []
    for rows in _groups(columns[layout.id]):
        name = str(columns[layout.id][rows[0]])
        steps = values[rows]
        if np.isinf(steps).any():
            raise DataError(f"{path}: column '{layout.value}' has an infinite value in series '{name}'")
        if np.isnan(steps).all():
            empty.append(name)  # no value to learn from or forecast from: left out, said
            continue
        steps, gaps = filled_gaps(path, name, steps)
        names.append(name)
        series.append(steps)
        times.append(columns[layout.time][rows])
        filled += gaps
    if not series:
        raise DataError(f"{path}: column '{layout.value}' has no values (every step of every series is missing)")
    return TsfFile(names, series, None, None, filled, empty=tuple(empty), times=times)


def long_raw(path: Path, columns: Columns, layout: LongLayout, window: int | None = None) -> Raw:
    """`nas search --data long.csv`: every window of every series (nas.data.tsf_file.series_raw)."""
    tsf = read_long(path, columns, layout)
    median = int(np.median([len(s) for s in tsf.series]))
    horizon = max(1, round(TEST_SHARE * median))
    if window is None:
        longest = max(tsf.series, key=len)
        period = season(longest[: max(1, len(longest) - 2 * horizon)])
        window = period or DEFAULT
        why = ("the season of the longest series, found by autocorrelation" if period
               else f"no season found in the longest series by autocorrelation: {DEFAULT}") + "; --window W sets it"
    else:
        why = "--window"
    cut = Cut(horizon, f"(a fifth of the median series, {median} steps)", window, why)
    raw = series_raw(tsf, path, "long CSV", cut, extra={"long_columns": [layout.id, layout.time, layout.value]})
    said = [f"many series in long format: column '{layout.id}' names the series, '{layout.time}' orders "
            f"its steps, '{layout.value}' is forecast (--task tabular reads the file as a table)"]
    if tsf.empty:
        said.append(f"{len(tsf.empty)} series without a value left out ({', '.join(repr(n) for n in tsf.empty[:3])}"
                    f"{', ...' if len(tsf.empty) > 3 else ''})")
    return replace(raw, notes=(*said, *raw.notes))
