"""A table's column of dates read as one number per cell, the year with the fraction of it gone
(2001-01-01 as 2001.0, 2001-07-02 as 2001.499).

Why: a CSV export's date column (`date`, `timestamp`, `ds`) holds a different value in nearly every
row, so as text it reads as an id and is left out; yet when a row was measured is often what
explains it (prices over decades, a survey's waves, a trend). A decimal year keeps the order and
the spacing of the dates as one feature, the same for the networks and for the linear baseline,
and `nas predict` reads a new file's dates the same way (nas.data.tables.numeric_column).

The notations read (`ORDERS`): ISO 8601 (2001-06-30, 2001-06, 2001-06-30 14:00), what pandas, R
and databases write; a year first with slashes (2001/06/30); and the day and month before a
four-digit year, as spreadsheets write dates in most locales (6/30/2001, 30.06.2001, 30-06-2001;
a time may follow: 6/30/2001 2:00 PM). '01/02/2001' is January 2nd or February 1st depending on
who wrote it, so the column decides: a first number above 12 makes it day first, a second above
12 month first; a column where neither is ever above 12 stays text, said (`ambiguous`). The order
found is stored with the model (`Raw.extra['date_orders']`), so a new file is read in it even
when its own dates could not tell.
"""
from __future__ import annotations

import re
import warnings

import numpy as np

ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?")
_TIME = r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<half>[AaPp][Mm])?)?"
YEAR_FIRST = re.compile(r"(?P<Y>\d{4})/(?P<a>\d{1,2})/(?P<b>\d{1,2})" + _TIME)
DAY_MONTH = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<Y>\d{4})" + _TIME)
# How a column writes its dates: which pattern, and which of its first two numbers is the month.
ORDERS = {"iso": ISO_DATE, "ymd": YEAR_FIRST, "mdy": DAY_MONTH, "dmy": DAY_MONTH}
AMBIGUOUS = "ambiguous"  # date_order's answer for day-month dates that never tell which comes first
EPOCH_YEAR = 1970  # numpy's datetime64 counts from 1970-01-01


def date_notations(iso: bool, day_month: bool) -> tuple[str, ...]:
    """The notations (ORDERS) a study's tables read as dates (its DataSpec's `dates` and
    `day_month_dates`): none for a study stored before dates were read, ISO 8601 alone for one
    stored before day-month dates were (2026-12-05), every one for the rest: a study's features
    stay the ones its trials had."""
    return tuple(ORDERS) if iso and day_month else ("iso",) if iso else ()


_ORDER_SAID = {"mdy": " (month/day/year: a second number above 12)", "dmy": " (day/month/year: a first number above 12)",
               "ymd": " (year/month/day)"}


def dates_said(name: str, order: str, years: np.ndarray) -> str:
    """The note that says a column was read as dates, in which order, and their span."""
    return (f"column '{name}' read as dates{_ORDER_SAID.get(order, '')}, each as its year with the fraction gone "
            f"({np.nanmin(years):.3f} to {np.nanmax(years):.3f})")


def _cells(values: np.ndarray, missing: np.ndarray) -> list[str]:
    return [str(cell).strip() for cell in np.asarray(values, dtype=str)[~missing]]


def date_order(values: np.ndarray, missing: np.ndarray) -> str | None:
    """How every cell that is not `missing` writes a date: a key of ORDERS, AMBIGUOUS (day and
    month first both fit), or None (not all dates; a column of bare years is numbers already)."""
    cells = _cells(values, missing)
    if not cells:
        return None
    for order in ("iso", "ymd"):
        if all(ORDERS[order].fullmatch(cell) for cell in cells):
            return order
    found = [DAY_MONTH.fullmatch(cell) for cell in cells]
    if not all(found):
        return None
    day_first = any(int(m["a"]) > 12 for m in found if m)
    month_first = any(int(m["b"]) > 12 for m in found if m)
    return None if day_first and month_first else "dmy" if day_first else "mdy" if month_first else AMBIGUOUS


def _iso(match: re.Match[str], order: str) -> str:
    """A day-month or year-first date as ISO 8601 text (its 12-hour time on the 24-hour clock)."""
    month, day = (match["b"], match["a"]) if order == "dmy" else (match["a"], match["b"])
    text = f"{match['Y']}-{int(month):02d}-{int(day):02d}"
    if match["H"] is None:
        return text
    hour = int(match["H"])
    if match["half"]:
        hour = hour % 12 + (12 if match["half"].lower() == "pm" else 0)
    return f"{text}T{hour:02d}:{match['M']}:{match['S'] or '00'}"


def as_dates(values: np.ndarray, missing: np.ndarray, order: str = "iso") -> np.ndarray | None:
    """The column as decimal years (`missing` cells NaN), or None unless every other cell is a
    date written in `order` (a key of ORDERS; ISO 8601 unless a column's own `date_order` said)."""
    cells = _cells(values, missing)
    found = [ORDERS[order].fullmatch(cell) for cell in cells]
    if not cells or not all(found):
        return None
    if order != "iso":
        cells = [_iso(m, order) for m in found if m]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy parses a UTC offset but warns that it keeps none
        try:
            stamps = np.array(cells, dtype="datetime64[s]")
        except ValueError:  # the shape of a date, not one (2001-13-45, 31/31/2001)
            return None
    year = stamps.astype("datetime64[Y]")  # each date's year, from its 1 January
    start, end = year.astype("datetime64[s]"), (year + 1).astype("datetime64[s]")
    years = np.full(len(missing), np.nan)
    years[~missing] = EPOCH_YEAR + year.astype(np.int64) + (stamps - start) / (end - start)
    return years


def is_date(cell: str, order: str = "iso") -> bool:
    """Is this one cell a date written in `order` (`as_dates` would read it)?"""
    return as_dates(np.array([cell]), np.array([False]), order) is not None
