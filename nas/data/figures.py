"""Figures as reports and spreadsheets write them: `"1,234"`, `"$1,510.00"`, `"12.5%"`, `"-€3"`.

Why: a comma-separated export of a spreadsheet formatted as currency or percent quotes every
cell with its grouping commas and its sign. Read as text, a price target becomes hundreds of
"classes" and the search stops ("cannot split ... number of classes"), a feature becomes one-hot
columns of unique values. A column is read as numbers only when every cell that is not missing
is such a figure with the same currency sign, so a column of mixed currencies, or of text that
merely starts with a digit, stays text; a quoted `"1,5"` (a decimal comma) does not match and
stays text as written. The percent sign is dropped, not divided: `12%` reads 12, as the user
reads it, and a target in percent is predicted in percent. A file separated by semicolons (or
tabs) is a European spreadsheet's: there the comma is the decimal mark and a point or a space
groups thousands (`1.510,00 €`, `12,5 %`, `1 234,5`; `DECIMAL_COMMA`).
"""
from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np

CURRENCIES = "$€£¥"


def _figure(group: str, point: str) -> re.Pattern[str]:
    """Sign, currency sign, a number with or without thousands marks (`group`) and its decimal
    mark (`point`), then a percent or a currency sign (each optional but the number)."""
    return re.compile(rf"(?P<sign>[+-]?)(?P<cur>[{CURRENCIES}]?)\s?(?P<num>(\d{{1,3}}({group}\d{{3}})+|\d+)({point}\d*)?"
                      rf"|{point}\d+)\s?(?P<pct>%?)(?P<after>[{CURRENCIES}]?)")


FIGURE = _figure(",", r"\.")  # 1,510.00: a comma-separated file's figures
THOUSANDS_MARK = "[. \u00a0\u202f]"  # a point or a space (no-break, narrow too) beside a decimal comma
DECIMAL_COMMA = _figure(THOUSANDS_MARK, ",")  # 1.510,00 or 1 510,00: a semicolon-separated file's


def may_hold_figures(column: np.ndarray, missing: Collection[str]) -> bool:
    """A cheap first look, before any cell is parsed (most columns are plain numbers or text): a
    column of figures that float() cannot read holds a thousands comma in some cell, or its
    currency or percent sign in every cell, so in its first cell that is not `missing` (lower case)."""
    if (np.char.find(column, ",") >= 0).any():
        return True
    first = next((cell for cell in column if cell.lower() not in missing), "")
    return any(mark in first for mark in CURRENCIES + "%")


def plain_figures(cells: np.ndarray, decimal_comma: bool = False) -> np.ndarray | None:
    """The cells (none missing) rewritten as plain numbers (`"-$1,510.50"` -> `"-1510.50"`; with
    `decimal_comma`, `"1.510,50 €"` -> `"1510.50"`), or None unless every cell is a figure and
    they share one currency sign (or none)."""
    pattern = DECIMAL_COMMA if decimal_comma else FIGURE
    matches = []
    for cell in cells:  # a text column fails at its first cell, not after a regex over every row
        match = pattern.fullmatch(str(cell))
        if match is None:
            return None
        matches.append(match)
    if not matches:
        return None
    if len({(m["cur"] + m["after"], m["pct"]) for m in matches}) > 1:
        return None  # "$5" beside "€5", or "5%" beside "5": not one unit
    if decimal_comma:
        return np.array([m["sign"] + re.sub(THOUSANDS_MARK, "", m["num"]).replace(",", ".") for m in matches])
    return np.array([m["sign"] + m["num"].replace(",", "") for m in matches])


# A duration or a time of day as race results, logs and spreadsheets write it: h:mm:ss (2:55:10,
# 38:31:00), m:ss or h:mm (55:10), a fraction of a second allowed; days before h:mm:ss as pandas
# writes a timedelta (`1 days 02:00:00`, `-1 days +23:00:00`) and Python's str(timedelta) does
# (`1 day, 2:00:00`).
DURATION = re.compile(r"(?:(?P<d>-?\d+) days?,? \+?(?=\d+:\d\d:))?(?P<a>\d+):(?P<b>[0-5]\d)(?::(?P<c>[0-5]\d(\.\d+)?))?")


def plain_durations(cells: np.ndarray) -> np.ndarray | None:
    """Durations (DURATION) as plain numbers in the units of their last field, or None unless every
    cell is one: h:mm:ss as seconds (2:55:10 is 10510), a two-field m:ss as seconds too (55:10 is
    3310), so the cells of a column agree whichever form each takes, and a file `nas predict` reads
    gives the same numbers; a day before them counts 86,400 seconds. A column of h:mm (times of
    day) reads as minutes: the same number for every file, which is what a feature needs. Why: a
    marathon's `Time` (02:55:10) read as text is a value per row, refused as a target ("not
    classes to learn") and left out as a feature; as a number it is the regression the user meant."""
    found = [DURATION.fullmatch(cell) for cell in cells]
    if not found or not all(found):
        return None
    seconds = [int(m["a"]) * 60 + int(m["b"]) if m["c"] is None
               else int(m["d"] or 0) * 86400 + (int(m["a"]) * 60 + int(m["b"])) * 60 + float(m["c"]) for m in found if m]
    return np.array([repr(s) if isinstance(s, float) and not s.is_integer() else str(int(s)) for s in seconds])
