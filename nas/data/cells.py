"""Typed cells (an Excel workbook's, a Parquet file's) as the text a CSV would hold of them.

Why: the table reader's decisions (header, target, which columns are numbers, dates or
categories: nas.data.tables) are made once, on text; a file that stores typed values is read
into that text, so a workbook, a Parquet file and their CSV read alike.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np


def cell_text(value: Any) -> str:
    """A cell as a CSV would hold it: a number with every digit (its shortest repr; a whole float
    as an integer, since a spreadsheet stores every number as a float and pandas turns an integer
    column with a gap into floats), a date or time in ISO 8601, a boolean as TRUE / FALSE, a
    missing one empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    return str(value).strip()


def one_boolean_spelling(values: np.ndarray) -> np.ndarray:
    """Text cells with every spelling of a boolean (True, true, TRUE) as TRUE / FALSE, the rest as
    they are. Why: Excel writes TRUE, pandas True, Polars and Spark true; a model trained on one's
    file predicts on another's, and a category is matched by its text (nas.data.tables.one_hot)."""
    values = np.asarray(values, dtype=str)
    upper = np.char.upper(values)
    return np.where(np.isin(upper, ("TRUE", "FALSE")), upper, values)
