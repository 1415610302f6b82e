"""JSON tables (`--data rows.jsonl`, `--data rows.json`): records read by Python's json module,
each value written as the text a CSV would hold of it.

Why: JSON Lines is what the Hugging Face `datasets` library writes (`Dataset.to_json`), what
logging and labelling tools export, and pandas writes JSON in several shapes (`to_json` with its
`orient`); a user should not have to convert one to CSV first. Values then take the CSV reader's
decisions (target, numbers, dates, categories: nas.data.tables), so a JSON file and its CSV read
alike, in `nas search`, `--test-data` and `nas predict`. The standard library reads it: no extra
to install.

The shapes read, by what the file holds:
- one object per line (`.jsonl`, `.ndjson`, and pandas' `to_json(lines=True)`, often `.json`);
- a list of objects (`orient="records"`), or an object whose one list holds them (`{"data": [...]}`);
- pandas' other orients: columns (its default, `{column: {row: value}}`), index (`{row: {column:
  value}}`), split (`{"columns": [...], "data": [[...]]}`), table (`{"schema": ..., "data": [...]}`)
  and a column of lists (`{column: [values]}`);
- a list of lists (`orient="values"`): no names, so columns are named 0, 1, ... by position.
Any of them may be compressed (`rows.jsonl.gz`: nas.data.compression).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from nas.data.cells import cell_text
from nas.data.compression import COMPRESSION_ERRORS, format_suffix, open_text
from nas.errors import DataError

JSON_TABLES = (".json", ".jsonl", ".ndjson")
Records = list[dict[str, Any]]


def _lines(path: Path, text: str) -> Records:
    """JSON Lines: one object per non-blank line."""
    records: Records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise DataError(f"{path}: line {number} is not JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise DataError(f"{path}: line {number} holds a {type(record).__name__}, not an object of named values")
        records.append(record)
    return records


def _is_index(keys: list[str]) -> bool:
    """Keys that name rows (pandas' 0, 1, 2, ... as JSON's strings), not columns."""
    return all(key.lstrip("-").isdigit() for key in keys)


def _records(path: Path, data: Any, notes: list[str]) -> Records:
    """The rows of a parsed JSON document, in any of the module's shapes."""
    if isinstance(data, list):
        if data and all(isinstance(row, list) for row in data):  # orient="values"
            width = max(len(row) for row in data)
            notes.append(f"rows without names: columns named 0 to {width - 1} by position")
            return [{str(j): v for j, v in enumerate(row)} for row in data]
        if not all(isinstance(row, dict) for row in data):
            raise DataError(f"{path}: a list of {type(next(r for r in data if not isinstance(r, dict))).__name__} "
                            f"values, not of rows (objects of named values)")
        return data
    if not isinstance(data, dict) or not data:
        raise DataError(f"{path}: holds a {type(data).__name__}, not a table (rows of named values)")
    if isinstance(data.get("columns"), list) and isinstance(data.get("data"), list):  # orient="split"
        names = [str(c) for c in data["columns"]]
        return [dict(zip(names, row)) for row in data["data"] if isinstance(row, list)]
    if isinstance(data.get("schema"), dict) and isinstance(data.get("data"), list):  # orient="table"
        keys = data["schema"].get("primaryKey") or []
        if keys:
            notes.append(f"the row index pandas stored ({', '.join(map(str, keys))}) ignored")
        return [{k: v for k, v in row.items() if k not in keys} for row in data["data"] if isinstance(row, dict)]
    lists = [key for key, value in data.items() if isinstance(value, list)]
    if (len(lists) == 1 and len(data) > 1) or (len(data) == 1 and lists and all(isinstance(r, dict) for r in data[lists[0]])):
        notes.append(f"rows read from the file's list '{lists[0]}'")  # an API's {"data": [...], "meta": ...}
        return _records(path, data[lists[0]], notes)
    values = list(data.values())
    if all(isinstance(v, list) for v in values):  # {column: [values]}
        if len({len(v) for v in values}) != 1:
            raise DataError(f"{path}: columns of different lengths ({', '.join(f'{k}: {len(v)}' for k, v in data.items())})")
        return [dict(zip(data, row)) for row in zip(*values)]
    if all(isinstance(v, dict) for v in values):
        inner = list(dict.fromkeys(key for v in values for key in v))
        if _is_index(list(data)) and not _is_index(inner):  # orient="index": {row: {column: value}}
            return list(values)
        if _is_index(list(data)) and len(data) > len(inner):  # numbered both ways: a table has more rows than columns
            notes.append(f"rows and columns both numbered: the {len(data)} outer keys read as rows, the {len(inner)} "
                         f"inner ones as columns (pandas' orient='index')")
            return list(values)
        return [{column: data[column].get(row) for column in data} for row in inner]  # orient="columns"
    raise DataError(f"{path}: an object of {', '.join(sorted({type(v).__name__ for v in values}))} values, not a table "
                    f"(expected rows of named values: JSON Lines, a list of objects, or what pandas' to_json writes)")


def json_table(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """A JSON file's column names, its rows as a 2-D array of strings and the notes to say
    (nas.data.tables.TABLE_READERS). A name missing from a row is a missing cell there."""
    try:
        with open_text(path, "utf-8-sig") as f:
            text = f.read()
    except UnicodeDecodeError:
        raise DataError(f"{path}: not UTF-8 text (JSON is UTF-8)") from None
    except (OSError, *COMPRESSION_ERRORS) as exc:
        raise DataError(f"{path}: unreadable JSON file ({exc})") from None
    notes: list[str] = []
    if format_suffix(path) != ".json":
        records = _lines(path, text)
    else:
        try:
            records = _records(path, json.loads(text), notes)
        except ValueError as exc:
            if "Extra data" not in str(exc):  # a second value after the first: JSON Lines in a .json
                raise DataError(f"{path}: not JSON ({exc})") from None
            records = _lines(path, text)
    if not records:
        raise DataError(f"{path}: the table has no rows")
    names = [str(name) for name in dict.fromkeys(key for record in records for key in record)]
    if not names or "" in (name.strip() for name in names):
        raise DataError(f"{path}: the rows have no names, or an empty one")
    for name in names:
        nested = next((r[name] for r in records if isinstance(r.get(name), (dict, list))), None)
        if nested is not None:
            raise DataError(f"{path}: column '{name}' holds {type(nested).__name__} values; nas reads columns of numbers, "
                            f"text and booleans (one value per row)")
    body = np.array([[cell_text(record.get(name)) for name in names] for record in records], dtype=str)
    return [name.strip() for name in names], body, notes
