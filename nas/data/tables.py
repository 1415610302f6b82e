"""CSV files: read columns, tell numeric from text columns, encode targets and categories.

Shared by training (`nas.data.csv_file`) and prediction (`nas.data.inputs`), so a table is
encoded the same way both times. One-hot categories are fitted on the training split only.
"""
from __future__ import annotations

import csv
from collections.abc import Callable
from functools import lru_cache
from itertools import islice, product
from pathlib import Path

import numpy as np

from nas.data.arff_file import ARFF, arff_table
from nas.data.arrow_file import ARROW_TABLES, arrow_table
from nas.data.compression import COMPRESSION_ERRORS, format_suffix, open_text
from nas.data.dates import all_dates, as_dates, is_date
from nas.data.figures import may_hold_figures, plain_durations, plain_figures
from nas.data.json_file import JSON_TABLES, json_table
from nas.data.xlsx_file import XLSX, xlsx_rows
from nas.errors import DataError, UsageError, column_list, nearest

MAX_CLASSES_FROM_NUMBERS = 20  # integer targets with at most this many values are classes


Columns = dict[str, np.ndarray]  # a table's columns by name, as read (strings) or converted


DELIMITERS = ",;\t|"


WHITESPACE = " "  # _delimiter's answer for fields separated by runs of spaces (numpy.savetxt, the old UCR .txt)


def _delimiter(sample: str) -> str:
    """The field separator: a comma if the header line has one, else a tab if it has one, else
    runs of spaces if the first line is several words and no other separator (numpy.savetxt's
    default, the UCR archive's older .txt files), else the one csv.Sniffer finds among DELIMITERS
    (semicolons are how spreadsheets in many locales export, UCI's wine quality too), else a comma
    (a table of one column)."""
    header = sample.split("\n", 1)[0]
    if "," in header:
        return ","
    if "\t" in header:  # a .tsv (the UCR archive's lines are longer than the sample: nothing to sniff)
        return "\t"
    if len(header.split()) > 1 and not any(d in header for d in DELIMITERS):
        return WHITESPACE
    try:
        return csv.Sniffer().sniff(sample[:sample.rfind("\n") + 1] or sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _looks_like_data(header: list[str]) -> bool:
    """Is this first row data, not names (a file saved without a header, as the UCR archive's .tsv
    or UCI's iris.data: `5.1,3.5,1.4,0.2,Iris-setosa`)? Numbers with a fraction are: names never
    are; so is a row of which they are most, beside a few words (a label). Integers can be names
    (pandas' default 0, 1, 2, ... from `DataFrame(X).to_csv()`; years), so they are read as names,
    unless one repeats: names do not (scikit-learn's own digits.csv.gz starts `0,0,5,13,9,1,0,0`).
    Missing cells (`NaN`: PLAID's first row, a short series, 844 after 501 numbers) are neither."""
    cells = np.array(header)
    given = cells[~missing_cells(cells)]
    numbers = np.array([float(n[0]) if (n := as_numbers(given[i:i + 1])) is not None else np.nan for i in range(len(given))])
    finite = np.isfinite(numbers)
    fractions = finite & (numbers != np.round(np.where(finite, numbers, 0)))
    repeated = len(given) > 0 and bool(finite.all()) and len(set(given.tolist())) < len(given)
    return len(header) > 1 and (repeated or (bool(fractions.any()) and 2 * int(finite.sum()) > len(given)))


ROW_INDEX = "the first column, unnamed, read as the row index (what pandas' to_csv writes) and ignored"
DATED_INDEX = ("the first column, unnamed, holds dates (a time index as pandas' to_csv writes it): named 'index', "
               "as pandas' reset_index() names it")
NO_HEADER = "no header row (the first row is numbers): columns named"  # read_csv's note, when it names columns


def headerless(columns: Columns) -> bool:
    """Whether the columns are named by position: read_csv's names for a file without a header
    row, or pandas' for a frame of bare arrays (`DataFrame(X).to_csv()`: 0, 1, 2, ...)."""
    return list(columns) == [str(i) for i in range(len(columns))]


def read_csv(path: Path, notes: list[str] | None = None, head: int | None = None) -> Columns:
    """Columns of a CSV file with a header row, as arrays of stripped strings, in file order; a
    file whose first row is numbers with fractions has none, and its columns are named 0, 1, ...
    `head`: only the first `head` data rows (the column names without reading a large file), from
    a text table; a reader that parses the whole file anyway (ARFF: TABLE_READERS) gives every row,
    so a read of the names and the read of the rows are one parse, kept once.

    A first column without a name is the row index pandas writes by default (`DataFrame.to_csv()`:
    aeon's Uschange, most exported frames): it is left out, and said in `notes`; one of dates
    (a DatetimeIndex: sktime's seatbelts) is the time each row was measured, kept as 'index'.

    The last files read are kept until `forget_parsed` (`_parsed`, keyed by size and modification time):
    deciding the task, the implied target and the series layout each look at the whole file
    before it is loaded, and a large CSV is parsed once. The arrays are read-only, so no caller
    changes what the next one reads."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise DataError(f"{path}: unreadable CSV file ({exc})") from None
    whole = format_suffix(path) in TABLE_READERS
    columns, said = _parsed(str(path), stat.st_size, stat.st_mtime_ns, None if whole else head)
    if notes is not None:
        notes.extend(said)
    return dict(columns)


# Text encodings tried in turn: UTF-8 (a byte-order mark dropped), then Windows' Western code page
# (Excel's "CSV" on Windows), then Latin-1, which decodes any bytes.
ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
ENCODINGS_SAID = {"cp1252": "Windows-1252 (Excel's Western European CSV)", "latin-1": "Latin-1"}


def _rows(path: Path, head: int | None) -> tuple[list[list[str]], str, str]:
    """The file's non-blank rows (the first `head` + 1 of them), the encoding that read them and the delimiter."""
    for encoding in ENCODINGS:
        try:
            with open_text(path, encoding) as f:
                delimiter = _delimiter(f.read(8192))
                f.seek(0)
                lines = (line.split() for line in f) if delimiter == WHITESPACE else csv.reader(f, delimiter=delimiter)
                filled = (r for r in lines if any(cell.strip() for cell in r))
                return list(islice(filled, None if head is None else head + 1)), encoding, delimiter
        except UnicodeDecodeError:
            continue
        except (OSError, csv.Error, *COMPRESSION_ERRORS) as exc:
            raise DataError(f"{path}: unreadable CSV file ({exc})") from None
    raise DataError(f"{path}: unreadable CSV file (not text in {', '.join(ENCODINGS)})")  # latin-1 reads any bytes


def _decimal_commas(body: np.ndarray) -> list[int]:
    """Columns written with decimal commas (`5,1`: spreadsheets in most of Europe, which then
    separate fields by semicolons) turned to points in place, and their indices. Only in a file
    not separated by commas, where a comma in a cell cannot be a field separator or a thousands
    mark of a quoted number; a column stays text unless every cell then reads as a number."""
    converted = []
    for j in range(body.shape[1]):
        column = body[:, j]
        if (np.char.find(column, ",") >= 0).any() and as_numbers(column) is None:
            points = np.char.replace(column, ",", ".")
            if as_numbers(points) is not None:
                body[:, j] = points
                converted.append(j)
    return converted


def _rewritten(body: np.ndarray, may_hold: Callable[[np.ndarray], bool],
               plain: Callable[[np.ndarray], np.ndarray | None]) -> list[int]:
    """The columns whose cells that are not missing `plain` reads as numbers (None: not every
    cell), rewritten in place as those numbers' text, and their indices; `may_hold`: a cheap first
    look at a column, before any cell is parsed (most columns are plain numbers or text)."""
    converted = []
    for j in range(body.shape[1]):
        column = body[:, j]
        if not may_hold(column):
            continue
        missing = missing_cells(column)
        numbers = plain(column[~missing])
        if numbers is not None:
            body[~missing, j] = numbers
            converted.append(j)
    return converted


def _figures(body: np.ndarray, decimal_comma: bool = False) -> list[int]:
    """Columns of figures as reports write them (`"1,234"`, `"$1,510.00"`, `"12%"`, quoted:
    nas.data.figures) rewritten as plain numbers; with `decimal_comma` (a file not separated by
    commas, after `_decimal_commas`) as European spreadsheets write them (`1.510,00 €`)."""
    return _rewritten(body, lambda column: may_hold_figures(column, MISSING) and as_numbers(column) is None,
                      lambda cells: plain_figures(cells, decimal_comma))


def _durations(body: np.ndarray) -> list[int]:
    """Columns of durations or times of day (`2:55:10`, `55:10`: nas.data.figures.plain_durations)
    rewritten as plain numbers; any table reader's (a Parquet or Excel time is written `02:55:10` too)."""
    return _rewritten(body, lambda column: ":" in next((c for c in column if c.lower() not in MISSING), ""), plain_durations)


def forget_parsed() -> None:
    """Drop the files read_csv keeps (their text can be many times the size of the arrays built from it)."""
    _parsed.cache_clear()


@lru_cache(maxsize=4)
def _parsed(name: str, size: int, modified: int, head: int | None) -> tuple[tuple[tuple[str, np.ndarray], ...], tuple[str, ...]]:
    """read_csv's work, once per version of a file: (name, read-only column) pairs and the notes.
    `size` and `modified` are part of the key only, so a file changed on disk is read again."""
    path = Path(name)
    reader = TABLE_READERS.get(format_suffix(path))
    header, body, notes = _text_table(path, head) if reader is None else reader(path)
    if not len(body):
        raise DataError(f"{path}: has a header but no data rows")
    if durations := _durations(body):
        notes = [*notes, f"durations and times (h:mm:ss, m:ss: 2:55:10, 55:10) read as seconds (h:mm as minutes) in "
                         f"column(s) {', '.join(repr(header[j]) for j in durations)}"]
    body.flags.writeable = False
    return tuple((column, body[:, j]) for j, column in enumerate(header)), tuple(notes)


def _text_table(path: Path, head: int | None) -> tuple[list[str], np.ndarray, list[str]]:
    """A text table's column names, its rows as a 2-D array of stripped strings and the notes to say."""
    rows, encoding, delimiter = _rows(path, head)
    if not rows:
        raise DataError(f"{path}: empty CSV file")
    header, body, notes = _table_of_rows(path, rows)
    if delimiter != "," and (commas := _decimal_commas(body)):
        notes.append(f"decimal commas read as points in column(s) {', '.join(repr(header[j]) for j in commas)}")
    if figures := _figures(body, decimal_comma=delimiter != ","):
        example = "1.234,50 €, 12,5 %" if delimiter != "," else "$1,234.50, 12%"
        notes.append(f"figures with thousands separators, currency or percent signs ({example}) read as numbers "
                     f"in column(s) {', '.join(repr(header[j]) for j in figures)}")
    if encoding != ENCODINGS[0]:  # said after the header's notes, which a read of the first rows alone gives too
        notes.append(f"not UTF-8 text: read as {ENCODINGS_SAID[encoding]}")
    return header, body, notes


def _xlsx_table(path: Path) -> tuple[list[str], np.ndarray, list[str]]:
    """An Excel workbook's first sheet with data (nas.data.xlsx_file), read as its CSV would be."""
    rows, said = xlsx_rows(path)
    header, body, notes = _table_of_rows(path, rows)
    return header, body, [*said, *notes]


def _table_of_rows(path: Path, rows: list[list[str]]) -> tuple[list[str], np.ndarray, list[str]]:
    """Column names and a 2-D array of stripped strings from a table's rows, the first a header
    row unless it looks like data (`_looks_like_data`), and the notes to say."""
    notes: list[str] = []
    header = [h.strip() for h in rows[0]]
    if len(rows) < 2:
        raise DataError(f"{path}: has a header but no data rows")
    index = len(header) > 1 and header[0] == "" and "" not in header[1:]
    dated = index and "index" not in header and all_dates([r[0].strip() for r in rows[1:] if r])
    if dated:  # pandas' DatetimeIndex or PeriodIndex: when each row was measured, a time to keep
        header = ["index", *header[1:]]
        notes.append(DATED_INDEX)
    elif index:
        rows = [r[1:] for r in rows]
        header = header[1:]
        notes.append(ROW_INDEX)
    if _looks_like_data(header):
        # No header row (the UCR archive's .tsv, numpy.savetxt): columns are named by position, as
        # pandas' read_csv(header=None) names them, so `--target 0` is the first.
        header = [str(i) for i in range(len(header))]
        rows = [header, *rows]
        notes.append(f"{NO_HEADER} 0 to {len(header) - 1} by position")
    if len(set(header)) != len(header) or "" in header:
        raise DataError(f"{path}: the header row has empty or repeated column names")
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise DataError(f"{path}: line {i} has {len(r)} fields, the header has {len(header)}")
    body = np.array([[c.strip() for c in r] for r in rows[1:]], dtype=str)
    return header, body, notes


# Tables that are not delimited text, by suffix: path -> (names, every row as strings, notes).
TABLE_READERS: dict[str, Callable[[Path], tuple[list[str], np.ndarray, list[str]]]] = {
    ARFF: arff_table, **{suffix: _xlsx_table for suffix in XLSX}, **{suffix: arrow_table for suffix in ARROW_TABLES},
    **{suffix: json_table for suffix in JSON_TABLES}}




# Cells read as a missing value (in any case), as pandas' read_csv reads them by default.
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
# ... every spelling of them in any case (NA, Null, nOnE, ...): one set lookup per cell instead of
# lower-casing every cell (most of the time of reading a large CSV, benchmarks/csv_read.py)
_MISSING_SPELLINGS = np.array(sorted({"".join(chars) for word in MISSING
                                      for chars in product(*({c.lower(), c.upper()} for c in word))}))


def orders_rows(values: np.ndarray, numbers: np.ndarray | None) -> bool:
    """Does a column put the rows in time order rather than measure anything? Numbers rising by one
    step (years, 1, 2, 3, ..., a decimal month), or text that never repeats and holds a digit in
    every cell (dates, time stamps, '1970 Q1', '1991 Jul'; not names: a state or a company per row
    is not a time)."""
    if numbers is None:
        return len(np.unique(values)) == len(values) and all(any(c.isdigit() for c in v) for v in values.tolist())
    steps = np.diff(numbers)
    return (len(steps) > 0 and bool(np.isfinite(steps).all()) and float(steps.min()) > 0
            and bool(np.allclose(steps, steps[0], rtol=1e-3)))


def missing_cells(values: np.ndarray) -> np.ndarray:
    """Which cells of a column of strings read as a missing value (MISSING, any case)."""
    return np.isin(values.astype(str), _MISSING_SPELLINGS)


def as_numbers(values: np.ndarray) -> np.ndarray | None:
    """The column as float64 (missing cells as NaN), or None when some other value is not a number.
    NumPy parses strings as Python's float() does ('1e5', ' 2', 'inf', '1_000', 'nan'), in one call."""
    text = np.asarray(values, dtype=str)
    try:
        return text.astype(np.float64)  # the usual column: every cell a number
    except (ValueError, OverflowError):
        pass
    missing = missing_cells(text)
    numbers = np.full(len(text), np.nan)
    try:
        numbers[~missing] = text[~missing].astype(np.float64)
    except (ValueError, OverflowError):
        return None
    return numbers


def numeric_column(path: Path, name: str, values: np.ndarray, missing_ok: bool = False,
                   numbers: np.ndarray | None = None, date_order: str = "iso") -> np.ndarray:
    """A feature column that must be numeric and finite, or missing (NaN) where `missing_ok`
    (a table's features: filled later, nas.data.fill_missing). DataError names the first bad row.
    `numbers`: the column as `as_numbers` already parsed it (not parsed twice); `date_order`: how
    training found its dates written (nas.data.dates.ORDERS)."""
    numbers = as_numbers(values) if numbers is None else numbers
    if numbers is None:  # a column of dates: decimal years, as in training (nas.data.dates)
        numbers = as_dates(values, missing_cells(values), date_order)
    if numbers is None:
        unread = [v for v in values if as_numbers(np.array([v])) is None]
        bad = next((v for v in unread if not is_date(v, date_order)), unread[0])  # else: a date among numbers
        raise DataError(f"{path}: column '{name}' is not numeric (value '{bad}')")
    bad_rows = np.flatnonzero(np.isinf(numbers) if missing_ok else ~np.isfinite(numbers))
    if len(bad_rows):
        what = "an infinite" if missing_ok else "a missing, NaN or infinite"
        raise DataError(f"{path}: column '{name}' has {what} value (data row {bad_rows[0] + 1})")
    return numbers


def pick_target(path: Path, columns: dict[str, np.ndarray], target: str | None) -> np.ndarray:
    """The target column; UsageError when --target is missing or names no column (nearest names)."""
    if not target:
        raise UsageError(f"--target: {path} is a table; name its target column ({column_list(list(columns))})")
    if target not in columns:
        raise DataError(f"{path}: no column '{target}'{nearest(target, columns)}")
    return columns[target]


def encode_target(path: str | Path, what: str, y: np.ndarray, kind: str | None,
                  one_class: bool = False) -> tuple[np.ndarray, str, list[str]]:
    """Targets -> (class indices or floats, kind, class names). Kind is inferred unless given: text
    or few distinct integers are classes, other numbers a regression target. `one_class`: a test file's."""
    numbers = y.astype(np.float64) if np.issubdtype(y.dtype, np.number) or y.dtype == bool else as_numbers(y)
    if numbers is not None and not np.isfinite(numbers).all():
        raise DataError(f"{path}: {what} has missing, NaN or infinite values")
    if kind == "regression" or (kind is None and numbers is not None and not looks_like_classes(numbers)):
        if numbers is None:
            raise DataError(f"{path}: {what} is not numeric, so it cannot be a regression target (use --kind classification)")
        return numbers.astype(np.float32), "regression", []
    labels = numbers if numbers is not None else y
    classes, index = np.unique(labels, return_inverse=True)
    if len(classes) < 2 and not one_class:
        raise DataError(f"{path}: {what} has a single class ({classes[0]}); need at least 2")
    names = [class_name(c) for c in classes]
    return index.astype(np.int64), "classification", names


def stored_kind(y: np.ndarray, kind: str | None) -> str | None:
    """--kind when given, else 'classification' for targets a typed file (an NPZ, a .ts file)
    stores as text, else None (encode_target infers it). Why: a text array is labels even when
    they are digits; aeon saves the UCR archive's classes as '1' to '60', which read as numbers
    made Adiac (37 classes) or ShapesAll (60) a regression (more than MAX_CLASSES_FROM_NUMBERS).
    Not for a text table, where every cell is text."""
    return kind if kind is not None or y.dtype.kind not in "US" else "classification"


MIN_PER_CLASS_FROM_NUMBERS = 3  # integers seen fewer times are measurements (a weight in kg), not classes


def looks_like_classes(numbers: np.ndarray, most: int = MAX_CLASSES_FROM_NUMBERS,
                       fewest: int = MIN_PER_CLASS_FROM_NUMBERS) -> bool:
    """Few distinct integers (at most `most`), each seen at least `fewest` times (3: the fewest a
    stratified split needs). Why the count: linnerud's 20 weights are integers with at most 20
    values, most of them once. (Where a file's layout or a column's name says it holds classes,
    nas.data.csv_target asks for less.)"""
    finite = numbers[np.isfinite(numbers)]
    values, counts = np.unique(finite, return_counts=True)
    return (bool(np.all(finite == np.round(finite))) and len(values) <= most
            and bool(counts.min(initial=fewest) >= fewest))


def class_name(value: object) -> str:
    """A class label as text: 2.0 and 2 are '2' (labels read from numbers), text as it is."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
