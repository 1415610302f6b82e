"""A table's column of dates read as one number per cell, the year with the fraction of it gone
(2001-01-01 as 2001.0, 2001-07-02 as 2001.499).

Why: a CSV export's date column (`date`, `timestamp`, `ds`) holds a different value in nearly every
row, so as text it reads as an id and is left out; yet when a row was measured is often what
explains it (prices over decades, a survey's waves, a trend). A decimal year keeps the order and
the spacing of the dates as one feature, the same for the networks and for the linear baseline,
and `nas predict` reads a new file's dates the same way (nas.data.tables.numeric_column).

The notations read (`ORDERS`): ISO 8601 (2001-06-30, 2001-06, 2001-06-30 14:00), what pandas, R
and databases write; a year first with slashes (2001/06/30); the day and month before a year,
as spreadsheets write dates in most locales (6/30/2001, 30.06.2001, 30-06-2001, 6/30/01; a time
may follow: 6/30/2001 2:00 PM; a two-digit year's century by Excel's rule, CENTURY_PIVOT); and
English month names (30 Jun 2001, June 30, 2001, 2001 Jun, Mar-18); quarters (1970 Q1, 1970Q1,
Q1 1970: R's, tsibble's and pandas' quarterly periods). '01/02/2001' is January 2nd
or February 1st depending on who wrote it, so the column decides: a first number above 12 makes
it day first, a second above 12 month first; a column where neither is ever above 12 stays text,
said (`ambiguous`). The order
found is stored with the model (`Raw.extra['date_orders']`), so a new file is read in it even
when its own dates could not tell.
"""
from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np

ISO_DATE = re.compile(r"\d{4}-\d{2}(-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?")
_TIME = r"(?:[T ]+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<half>[AaPp][Mm])?)?"
YEAR_FIRST = re.compile(r"(?P<Y>\d{4})/(?P<a>\d{1,2})/(?P<b>\d{1,2})" + _TIME)
DAY_MONTH = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<Y>\d{4}|\d{2})" + _TIME)
_MONTH = (r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?"
          r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?")
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"  # Mon, 30 Jun 2001 (e-mail, HTTP)
_ZONE = r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?"  # read, not applied: the time as written
# Dates with the month's English name (any case, abbreviated or not), in the orders seen in exports.
NAMED = tuple(re.compile(_WEEKDAY + date + _TIME + _ZONE, re.IGNORECASE) for date in (
    rf"(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ ./-]?{_MONTH}[ ./,-]*(?P<Y>\d{{4}}|\d{{2}})",  # 30 Jun 2001, 6-Aug-09
    rf"{_MONTH}[ ./-]?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?[ ,./-]+(?P<Y>\d{{4}})",  # June 30, 2001
    rf"{_MONTH}[ ./,'-]*(?P<Y>\d{{4}}|(?<=['-])\d{{2}})",  # Jun 2001, Mar-18 (Excel's mmm-yy); not Jan 12
    rf"(?P<Y>\d{{4}})[ ./-]?{_MONTH}(?:[ ./-]?(?P<d>\d{{1,2}}))?",  # 2001 Jun (R's yearmonth), 2001-Jun-30
))
# A quarter: 1970 Q1 (R's yearqtr, fpp3's tsibble), 1970Q1 (pandas' quarterly PeriodIndex),
# 1970-Q1, Q1 1970, Q1/1970; read as the quarter's first day.
QUARTERS = (re.compile(r"(?P<Y>\d{4})\s*-?\s*Q(?P<q>[1-4])", re.IGNORECASE),
            re.compile(r"Q(?P<q>[1-4])[ /-]?(?P<Y>\d{4})", re.IGNORECASE))
_MONTHS = {name: number for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
CENTURY_PIVOT = 30  # a two-digit year below it is 20xx, from it 19xx: Excel's and Windows' rule (1930-2029)
AMBIGUOUS = "ambiguous"  # date_order's answer for day-month dates that never tell which comes first
EPOCH_YEAR = 1970  # numpy's datetime64 counts from 1970-01-01


def _full_year(text: str) -> int:
    year = int(text)
    return year if len(text) == 4 else year + (2000 if year < CENTURY_PIVOT else 1900)


def _iso(year: int, month: int, day: int, match: re.Match[str]) -> str:
    """One date as ISO 8601 text (a 12-hour time on the 24-hour clock), for numpy to read."""
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if match["H"] is None:
        return text
    hour = int(match["H"])
    if match["half"]:
        hour = hour % 12 + (12 if match["half"].lower() == "pm" else 0)
    return f"{text}T{hour:02d}:{match['M']}:{match['S'] or '00'}"


def _day_month(day_first: bool, digits: int) -> Callable[[str], str | None]:
    """The reader of 6/30/2001 (30.06.2001 when `day_first`; 6/30/01 with `digits` 2)."""
    def read(cell: str) -> str | None:
        m = DAY_MONTH.fullmatch(cell)
        if m is None or len(m["Y"]) != digits:
            return None
        day, month = (m["a"], m["b"]) if day_first else (m["b"], m["a"])
        return _iso(_full_year(m["Y"]), int(month), int(day), m)
    return read


def _year_first(cell: str) -> str | None:
    m = YEAR_FIRST.fullmatch(cell)
    return None if m is None else _iso(int(m["Y"]), int(m["a"]), int(m["b"]), m)


def _named(cell: str) -> str | None:
    m = next((m for pattern in NAMED if (m := pattern.fullmatch(cell))), None)
    if m is None:
        return None
    return _iso(_full_year(m["Y"]), _MONTHS[m["mon"][:3].lower()], int(m.groupdict().get("d") or 1), m)  # no day: the 1st


def _quarter(cell: str) -> str | None:
    m = next((m for pattern in QUARTERS if (m := pattern.fullmatch(cell))), None)
    return None if m is None else f"{int(m['Y']):04d}-{3 * int(m['q']) - 2:02d}-01"


# How a column writes its dates (its "order", stored with the model): each notation's reader
# gives a cell as ISO 8601 text, or None when the cell is not written so.
ORDERS: dict[str, Callable[[str], str | None]] = {
    "iso": lambda cell: cell if ISO_DATE.fullmatch(cell) else None,
    "ymd": _year_first,
    "mdy": _day_month(False, 4), "dmy": _day_month(True, 4),
    "mdy2": _day_month(False, 2), "dmy2": _day_month(True, 2),
    "named": _named,
    "quarter": _quarter,
}


def date_notations(dates: bool, day_month_dates: bool, named_dates: bool, quarter_dates: bool) -> tuple[str, ...]:
    """The notations (ORDERS) a study's tables read as dates (its DataSpec's flags of the same
    names: `DataSpec.date_reading()`): none for a study stored before dates were read, ISO 8601
    alone for one stored before day-month dates were (2026-12-05), no month names and two-digit
    years for one stored before those (2026-12-05, later), no quarters for one stored before
    them (2026-12-05, 22:00 UTC on): a study's features stay the ones its trials had."""
    if not dates:
        return ()
    return (("iso",) + (("ymd", "mdy", "dmy") if day_month_dates else ()) + (("mdy2", "dmy2", "named") if named_dates else ())
            + (("quarter",) if quarter_dates else ()))


_TWO_DIGITS = f"; a two-digit year below {CENTURY_PIVOT} as 20xx, else 19xx"
_ORDER_SAID = {"mdy": " (month/day/year: a second number above 12)", "dmy": " (day/month/year: a first number above 12)",
               "ymd": " (year/month/day)", "named": " (with month names)", "quarter": " (quarters, each as its first day)",
               "mdy2": f" (month/day/year: a second number above 12{_TWO_DIGITS})",
               "dmy2": f" (day/month/year: a first number above 12{_TWO_DIGITS})"}


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
    for order in ("iso", "ymd", "named", "quarter"):
        if all(ORDERS[order](cell) for cell in cells):
            return order
    found = []
    for cell in cells:  # a text column fails at its first cell, not after a regex over every row
        if (match := DAY_MONTH.fullmatch(cell)) is None:
            return None
        found.append(match)
    if len({len(m["Y"]) for m in found}) > 1:
        return None
    digits = "" if len(found[0]["Y"]) == 4 else "2"
    day_first = any(int(m["a"]) > 12 for m in found)
    month_first = any(int(m["b"]) > 12 for m in found)
    if day_first and month_first:
        return None
    return f"dmy{digits}" if day_first else f"mdy{digits}" if month_first else AMBIGUOUS


def as_dates(values: np.ndarray, missing: np.ndarray, order: str = "iso") -> np.ndarray | None:
    """The column as decimal years (`missing` cells NaN), or None unless every other cell is a
    date written in `order` (a key of ORDERS; ISO 8601 unless a column's own `date_order` said)."""
    cells = [ORDERS[order](cell) for cell in _cells(values, missing)]
    if not cells or not all(cells):
        return None
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


def all_dates(cells: list[str]) -> bool:
    """Is every cell a date, all in one of the notations (ORDERS)?"""
    return bool(cells) and date_order(np.array(cells, dtype=str), np.zeros(len(cells), dtype=bool)) is not None


def is_date(cell: str, order: str = "iso") -> bool:
    """Is this one cell a date written in `order` (`as_dates` would read it)?"""
    return as_dates(np.array([cell]), np.array([False]), order) is not None
