"""Parquet, Feather and Arrow files (`--data train.parquet`): columns read by pyarrow
(`pip install 'nas[parquet]'`), typed cells written as the text a CSV would hold of them.

Why: Parquet is how tables travel between ML tools (pandas' `to_parquet`, Spark, Polars, the
Hugging Face Hub's tabular datasets), and a user should not have to convert one to CSV first.
A Parquet file's columns are named and typed, so there is no header to guess; the values then
take the CSV reader's decisions (target, numbers, dates, categories: nas.data.tables), so a
Parquet file and its CSV read alike, in `nas search`, `--test-data` and `nas predict`.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from nas.data.cells import cell_text
from nas.errors import DataError, first_line

PARQUET = (".parquet", ".pq")
FEATHER = (".feather", ".arrow")  # Feather v2 is the Arrow IPC file format
ARROW_TABLES = (*PARQUET, *FEATHER)
# The row index pandas stores as a column when it is not 0, 1, 2, ... and has no name
# (`DataFrame.to_parquet()` after a filter or a shuffle): the CSV reader's unnamed first column.
_PANDAS_INDEX = re.compile(r"__index_level_\d+__")


def read_arrow(path: Path) -> Any:
    """The file as a pyarrow Table; DataError for a missing pyarrow or a file it cannot read."""
    try:
        import pyarrow as pa
        import pyarrow.feather as feather
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"{path}: reading a Parquet or Feather file needs pyarrow, which is not installed: "
                        f"pip install 'nas[parquet]' (or save the table as CSV)") from None
    kind = "Parquet" if path.suffix.lower() in PARQUET else "Feather"
    try:
        return pq.read_table(path) if kind == "Parquet" else feather.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DataError(f"{path}: unreadable {kind} file ({first_line(exc)})") from None


def _flat(path: Path, name: str, kind: Any) -> None:
    """DataError for a column that does not hold one number, text, boolean or date per row."""
    import pyarrow.types as t

    if t.is_nested(kind) or t.is_binary(kind) or t.is_large_binary(kind) or t.is_fixed_size_binary(kind):
        raise DataError(f"{path}: column '{name}' holds {kind} values; nas reads columns of numbers, "
                        f"text, booleans and dates (one value per row), or one column of images beside labels")


def hub_features(schema: Any) -> dict[str, Any]:
    """Column -> the Hugging Face feature the schema's metadata declares for it (a ClassLabel,
    an Image), else {} (a file written by another tool, or metadata of another shape)."""
    meta = (schema.metadata or {}).get(b"huggingface")
    try:
        features = json.loads(meta)["info"]["features"] if meta else {}
    except (ValueError, KeyError, TypeError):
        return {}
    return features if isinstance(features, dict) else {}


def class_labels(table: Any) -> dict[str, list[str]]:
    """Column -> class names, for the columns a Hugging Face dataset stores as a ClassLabel
    (integers 0, 1, ... whose names its schema metadata holds: `label` of 0-9 named
    'airplane', ...). Why: the names are the labels the user knows, in the summary and in
    `nas predict`'s output; -1, the Hub's unlabelled row, is a missing cell."""
    return {name: [str(n) for n in f["names"]] for name, f in hub_features(table.schema).items()
            if isinstance(f, dict) and f.get("_type") == "ClassLabel" and isinstance(f.get("names"), list) and f["names"]}


def class_cell(value: Any, names: list[str] | None) -> str:
    """A cell as text: a ClassLabel's integer (`names`: its class names) as its name, -1 (the Hub's
    unlabelled row) as a missing cell; any other cell as a CSV would hold it (nas.data.cells)."""
    if names is not None and isinstance(value, int) and 0 <= value < len(names):
        return names[value]
    return "" if names is not None and value in (None, -1) else cell_text(value)


def arrow_table(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """A Parquet or Feather file's column names, its rows as a 2-D array of strings and the notes
    to say (nas.data.tables.TABLE_READERS)."""
    table = read_arrow(path)
    notes: list[str] = []
    index = [name for name in table.column_names if _PANDAS_INDEX.fullmatch(name)]
    if index:
        table = table.drop_columns(index)
        notes.append(f"the row index pandas stored ({', '.join(index)}) ignored")
    names = [name.strip() for name in table.column_names]
    if not names or len(set(names)) != len(names) or "" in names:
        raise DataError(f"{path}: the table has no columns, or empty or repeated column names")
    if table.num_rows == 0:
        raise DataError(f"{path}: the table has no rows")
    for name, field in zip(names, table.schema):
        _flat(path, name, field.type)
    labels = class_labels(table)
    if labels:
        notes.append(f"class names of {', '.join(repr(n) for n in labels)} read from the Hugging Face metadata")
    body = np.array([[class_cell(v, labels.get(name)) for v in column.to_pylist()]
                     for name, column in zip(table.column_names, table.columns)], dtype=str).T
    return names, body, notes
