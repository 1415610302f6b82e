"""Excel workbooks (`--data sales.xlsx`): the sheet with the most rows, read by openpyxl
(`pip install 'nas[excel]'`), as the CSV Excel would save of it.

Why: students and analysts keep tables in Excel, and "save it as CSV" is one more step where
numbers can lose digits or turn into dates. Cells come typed: a number keeps every digit (its
shortest repr), a date or time its ISO text, an empty cell is a missing one; formulas are read
as their cached values (Excel stores them; a file never opened in Excel may have none: missing).
The rows then go through the CSV reader's header, target and column decisions
(nas.data.tables), so a workbook and its CSV read alike.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from nas.data.cells import cell_text
from nas.errors import DataError, first_line

XLSX = (".xlsx", ".xlsm")


def xlsx_rows(path: Path) -> tuple[list[list[str]], list[str]]:
    """The non-blank rows, as text, of the workbook's sheet with the most rows (a first sheet of
    notes is common), and the notes to say which, when there are several. DataError for a file
    openpyxl cannot read."""
    try:
        import openpyxl
    except ImportError:
        raise DataError(f"{path}: reading an Excel workbook needs openpyxl, which is not installed: "
                        f"pip install 'nas[excel]' (or save the sheet as CSV)") from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DataError(f"{path}: unreadable Excel workbook ({first_line(exc)})") from None
    try:
        sheets = {sheet.title: _rows(sheet) for sheet in book.worksheets}
    finally:
        book.close()
    title = max(sheets, key=lambda name: len(sheets[name]))  # the first of the longest
    if not sheets[title]:
        raise DataError(f"{path}: the workbook has no cells with data")
    notes = ([f"sheet '{title}' read, the one with the most rows of {len(sheets)} "
              f"({', '.join(repr(name) for name in sheets)})"] if len(sheets) > 1 else [])
    return sheets[title], notes


def _rows(sheet: Any) -> list[list[str]]:
    """A sheet's non-blank rows as text, as wide as its data (empty trailing columns dropped)."""
    rows = [r for r in ([cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)) if any(r)]
    width = max((len(r) for r in rows), default=0)
    while width and not any(len(r) >= width and r[width - 1] for r in rows):
        width -= 1  # formatting past the data
    return [(r + [""] * width)[:width] for r in rows]
