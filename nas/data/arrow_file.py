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
# One file of a split in several, as the Hugging Face Hub and Spark name them: `train-00000-of-00003.parquet`.
_SHARD = re.compile(r"(?P<split>.+)-(?P<index>\d+)-of-(?P<count>\d+)(?P<suffix>\.[^.]+)")


def shards(path: Path) -> list[Path]:
    """The files of the split `path` is one shard of, in order (`train-00001-of-00003.parquet`:
    `train-00000-of-00003.parquet` to `train-00002-of-00003.parquet`); [path] for a file not named
    as a shard. DataError when one of them is missing. Why: the Hugging Face Hub (and Spark) cut a
    split into files of a few hundred MB; the split, not one of its pieces, is the data."""
    match = _SHARD.fullmatch(path.name)
    if match is None or int(match["count"]) <= 1:
        return [path]
    count, width = int(match["count"]), len(match["index"])
    files = [path.with_name(f"{match['split']}-{i:0{width}d}-of-{match['count']}{match['suffix']}") for i in range(count)]
    missing = [f.name for f in files if not f.is_file()]
    if missing:
        raise DataError(f"{path}: one of {count} shards of a split, but {missing[0]} is missing"
                        f"{f' (and {len(missing) - 1} more)' if len(missing) > 1 else ''}; download the whole split")
    return files


def shards_said(path: Path, rows: int) -> list[str]:
    """The note that says a split was read from its shards ([] for one file)."""
    files = shards(path)
    return [f"{files[0].name} to {files[-1].name}: the {len(files)} shards of one split, read as one table ({rows} rows)"] \
        if len(files) > 1 else []


def read_arrow(path: Path) -> Any:
    """The file as a pyarrow Table (a shard: its whole split, nas.data.arrow_file.shards);
    DataError for a missing pyarrow or a file it cannot read."""
    try:
        import pyarrow as pa
        import pyarrow.feather as feather
        import pyarrow.parquet as pq
    except ImportError:
        raise DataError(f"{path}: reading a Parquet or Feather file needs pyarrow, which is not installed: "
                        f"pip install 'nas[parquet]' (or save the table as CSV)") from None
    kind = "Parquet" if path.suffix.lower() in PARQUET else "Feather"
    files, tables = shards(path), []
    for file in files:
        try:
            tables.append(pq.read_table(file) if kind == "Parquet" else feather.read_table(file))
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise DataError(f"{file}: unreadable {kind} file ({first_line(exc)})") from None
    try:
        return tables[0] if len(tables) == 1 else pa.concat_tables(tables)
    except pa.ArrowException:
        other = next(f for f, t in zip(files, tables) if not t.schema.equals(tables[0].schema))
        raise DataError(f"{other}: its columns differ from those of {files[0].name}, the split's first shard") from None


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
    notes = shards_said(path, table.num_rows)
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
