"""Figures as reports and spreadsheets write them: `"1,234"`, `"$1,510.00"`, `"12.5%"`, `"-€3"`.

Why: a comma-separated export of a spreadsheet formatted as currency or percent quotes every
cell with its grouping commas and its sign. Read as text, a price target becomes hundreds of
"classes" and the search stops ("cannot split ... number of classes"), a feature becomes one-hot
columns of unique values. A column is read as numbers only when every cell that is not missing
is such a figure with the same currency sign, so a column of mixed currencies, or of text that
merely starts with a digit, stays text; a quoted `"1,5"` (a decimal comma) does not match and
stays text as written. The percent sign is dropped, not divided: `12%` reads 12, as the user
reads it, and a target in percent is predicted in percent.
"""
from __future__ import annotations

import re
from collections.abc import Collection

import numpy as np

CURRENCIES = "$€£¥"
# sign, currency sign, a number with or without thousands commas, percent sign (each optional but the number)
FIGURE = re.compile(rf"(?P<sign>[+-]?)(?P<cur>[{CURRENCIES}]?)\s?(?P<num>(\d{{1,3}}(,\d{{3}})+|\d+)(\.\d*)?|\.\d+)"
                    rf"\s?(?P<pct>%?)")


def may_hold_figures(column: np.ndarray, missing: Collection[str]) -> bool:
    """A cheap first look, before any cell is parsed (most columns are plain numbers or text): a
    column of figures that float() cannot read holds a thousands comma in some cell, or its
    currency or percent sign in every cell, so in its first cell that is not `missing` (lower case)."""
    if (np.char.find(column, ",") >= 0).any():
        return True
    first = next((cell for cell in column if cell.lower() not in missing), "")
    return any(mark in first for mark in CURRENCIES + "%")


def plain_figures(cells: np.ndarray) -> np.ndarray | None:
    """The cells (none missing) rewritten as plain numbers (`"-$1,510.50"` -> `"-1510.50"`), or
    None unless every cell is a figure and they share one currency sign (or none)."""
    matches = []
    for cell in cells:  # a text column fails at its first cell, not after a regex over every row
        match = FIGURE.fullmatch(str(cell))
        if match is None:
            return None
        matches.append(match)
    if not matches:
        return None
    if len({m["cur"] for m in matches}) > 1 or len({m["pct"] for m in matches}) > 1:
        return None  # "$5" beside "€5", or "5%" beside "5": not one unit
    return np.array([m["sign"] + m["num"].replace(",", "") for m in matches])
