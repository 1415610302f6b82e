"""A table's column of dates (ISO 8601: 2001-06-30, 2001-06, 2001-06-30 14:00) read as one number
per cell, the year with the fraction of it gone (2001-01-01 as 2001.0, 2001-07-02 as 2001.499).

Why: a CSV export's date column (`date`, `timestamp`, `ds`) holds a different value in nearly every
row, so as text it reads as an id and is left out; yet when a row was measured is often what
explains it (prices over decades, a survey's waves, a trend). A decimal year keeps the order and
the spacing of the dates as one feature, the same for the networks and for the linear baseline,
and `nas predict` reads a new file's dates the same way (nas.data.tables.numeric_column). Only
ISO 8601 dates: '01/02/2001' is January 2nd or February 1st depending on who wrote it, and such a
column stays text.
"""
from __future__ import annotations

import re
import warnings

import numpy as np

ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?")
EPOCH_YEAR = 1970  # numpy's datetime64 counts from 1970-01-01


def as_dates(values: np.ndarray, missing: np.ndarray) -> np.ndarray | None:
    """The column as decimal years (`missing` cells NaN), or None unless every other cell is an
    ISO 8601 date (a column of bare years is numbers already, read before this)."""
    cells = [str(cell).strip() for cell in np.asarray(values, dtype=str)[~missing]]
    if not cells or not all(ISO_DATE.fullmatch(cell) for cell in cells):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy parses a UTC offset but warns that it keeps none
        try:
            stamps = np.array(cells, dtype="datetime64[s]")
        except ValueError:  # the shape of a date, not one (2001-13-45)
            return None
    year = stamps.astype("datetime64[Y]")  # each date's year, from its 1 January
    start, end = year.astype("datetime64[s]"), (year + 1).astype("datetime64[s]")
    years = np.full(len(missing), np.nan)
    years[~missing] = EPOCH_YEAR + year.astype(np.int64) + (stamps - start) / (end - start)
    return years


def is_date(cell: str) -> bool:
    """Is this one cell an ISO 8601 date (`as_dates` would read it)?"""
    return as_dates(np.array([cell]), np.array([False])) is not None
