"""The user's own data (`--data PATH`): an image folder, a .npz file or a CSV file -> Raw / Series.

Every problem with a file is a one-line DataError naming the file and what is wrong; flags that
do not fit the file (a --window for images, --image-size for a table) are UsageErrors.
"""
from __future__ import annotations

import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nas.data.builtin import Raw, Series
from nas.data.layouts import (SEQUENCE_LAYOUT_NAMES, SERIES_MIN_STEPS, looks_like_sequences, looks_like_series, sequence_axes,
                              to_layout)
from nas.data.tasks import TASKS
from nas.data._split import MIN_PER_CLASS
from nas.data.tables import (MAX_CATEGORIES, NO_HEADER, Columns, as_numbers, encode_target, looks_like_classes,
                             missing_cells, numeric_column, pick_target, read_csv)
from nas.errors import DataError, UsageError

if TYPE_CHECKING:
    from nas.data import DataSpec

SPLIT_KEYS = ("train", "val", "test")
# What np.load raises on a damaged or hostile .npz (found by fuzzing, issue 14): not a zip, a bad
# member, a bad checksum, a header that declares an absurd shape.
NPZ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError, MemoryError)
TARGET_KINDS = "biufU"  # bool, integers, floats, text: what a target column can be


def check_path(path: Path) -> None:
    """DataError for a path that is missing or empty."""
    if not path.exists():
        raise DataError(f"{path}: no such file or folder")
    if path.is_dir() and not any(path.iterdir()):
        raise DataError(f"{path}: folder is empty")
    if path.is_file() and path.stat().st_size == 0:
        raise DataError(f"{path}: file is empty")


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, never unpickling, nas's names in nas's case (_canonical_names);
    DataError when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise DataError(f"{path}: a single .npy array, not an .npz archive of named arrays")
            arrays = {k: np.asarray(z[k]) for k in z.files}
    except NPZ_ERRORS as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise DataError(f"{path}: unreadable .npz file ({reason})") from None
    return _canonical_names(arrays)


# The arrays nas reads, by name; other spellings of a name differ only in case: Keras' datasets
# (mnist.npz: x_train, y_train, x_test, y_test) and MNIST-1D's dictionary (x, y, x_test, y_test).
ARRAY_NAMES = ("X", "y", *(f"{a}_{s}" for s in SPLIT_KEYS for a in ("X", "y")))


# Other names of X and y in saved arrays: a scikit-learn Bunch saved as it comes
# (`np.savez(path, data=d.data, target=d.target)`), or features / labels. Used only when exactly
# one of them is there and X (or y) is not.
ARRAY_SYNONYMS = {"X": ("data", "features", "inputs"), "y": ("target", "targets", "label", "labels")}


def _canonical_names(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """`arrays` with x_train, Y, ... renamed X_train, y, ... (a name spelled as nas spells it wins),
    and data / target (ARRAY_SYNONYMS) renamed X / y."""
    out = dict(arrays)
    for name in ARRAY_NAMES:
        if name not in out:
            other = next((k for k in arrays if k.lower() == name.lower()), None)
            if other is not None:
                out[name] = out.pop(other)
    for name, synonyms in ARRAY_SYNONYMS.items():
        found = [k for k in out if k.lower() in synonyms]
        if name not in out and len(found) == 1:
            out[name] = out.pop(found[0])
    return out


def _npz_arrays(path: Path) -> dict[str, np.ndarray]:
    """The X/y arrays of an .npz (no pickles), or DataError listing what it holds instead. X and y
    with X_test and y_test are a train / test pair (X_train, X_test)."""
    arrays = read_npz(path)
    if "X" in arrays and "y" in arrays:
        if "X_train" in arrays or not ("X_test" in arrays and "y_test" in arrays):
            return {"X": arrays["X"], "y": arrays["y"]}
        # X, y beside X_test, y_test (MNIST-1D's dict: x, y, x_test, y_test): X is the training part
        arrays["X_train"], arrays["y_train"] = arrays.pop("X"), arrays.pop("y")
    if "X_train" in arrays and "y_train" in arrays and ("X_val" in arrays or "X_test" in arrays):
        return {k: arrays[k] for k in arrays if k.split("_")[-1] in SPLIT_KEYS and k[:2] in ("X_", "y_")}
    found = ", ".join(sorted(arrays)) or "none"
    raise DataError(f"{path}: expected arrays X and y, or X_train, y_train with X_val, y_val and/or X_test, y_test "
                    f"(found: {found})")


def _npz_task(path: Path, X: np.ndarray) -> str:
    """The task an X array means. A 2-D X is a table unless its rows look like series
    (nas.data.layouts.looks_like_series: a UCR set saved as N x T); a 3-D X is sequences when its
    shape cannot be images (nas.data.layouts.looks_like_sequences: N x 1 x 24), else ambiguous (N x 28 x 28)."""
    if X.ndim == 2:
        return "sequence" if looks_like_series(X) else "tabular"
    if X.ndim == 3:
        if looks_like_sequences(X.shape):
            return "sequence"
        raise UsageError(f"--task: {path} holds 3-D inputs of N x {X.shape[1]} x {X.shape[2]} (images N x H x W or "
                         f"sequences N x T x F); pass --task image or --task sequence")
    if X.ndim != 4:
        raise DataError(f"{path}: X has {X.ndim} dimensions; expected 2 (tables), 3 (sequences) or 4 (images)")
    return "image"


def _csv_rows_are_series(path: Path) -> bool:
    """Whether a CSV's numeric columns, in file order, look like one series per row
    (nas.data.layouts.looks_like_series; the target column among them moves the mean little), and
    at most one text column of few values (the label) lies beside them."""
    columns = read_csv(path)
    parsed = {name: as_numbers(values) for name, values in columns.items()}
    numbers = [v for v in parsed.values() if v is not None]
    categories = [name for name, v in parsed.items() if v is None and len(set(columns[name].tolist())) <= MAX_CATEGORIES]
    if len(categories) > 1:
        return False  # a text feature besides a text label: a table (a series' steps are numbers)
    return len(numbers) > 0 and looks_like_series(np.stack(numbers, axis=1))


# Text tables by suffix: read alike (nas.data.tables.read_csv finds the delimiter).
TEXT_TABLES = (".csv", ".tsv")


def file_kind(path: Path) -> str:
    """'folder', '.npz', '.csv' (any text table, TEXT_TABLES) or the file's own suffix."""
    if path.is_dir():
        return "folder"
    suffix = path.suffix.lower()
    return ".csv" if suffix in TEXT_TABLES else suffix


def _unsupported(path: Path) -> DataError:
    return DataError(f"{path}: unsupported data file type '{path.suffix}' (expected a folder of images, .npz, .csv or .tsv)")


def infer_task(path: str, window: int | None) -> str:
    """The task a data path implies: folders are images, CSVs tables (series with --window)."""
    p = Path(path)
    check_path(p)
    kind = file_kind(p)
    if kind == "folder":
        return "image"
    if kind == ".csv":
        return "sequence" if window or _csv_rows_are_series(p) else "tabular"
    if kind == ".npz":
        arrays = _npz_arrays(p)
        return _npz_task(p, arrays["X"] if "X" in arrays else arrays["X_train"])
    raise _unsupported(p)


def search_task(task: str | None, path: str | None, dataset: str | None, window: int | None) -> str:
    """--task, or the one the data implies: the built-in's task, the file's, else image."""
    from nas.data.builtin import BUILTINS

    if task:
        return task
    if path:
        return infer_task(path, window)
    return BUILTINS[dataset].task if dataset in BUILTINS else "image"


def _features(path: Path, name: str, X: np.ndarray, task: str, layout: str | None = None) -> np.ndarray:
    """An npz input array as float32 in the layout the task needs; DataError for text, wrong rank, NaN/inf."""
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"{path}: {name} is not real-valued numbers (dtype {X.dtype})")
    if X.ndim < 2:
        raise DataError(f"{path}: {name} has shape {X.shape}; expected one row per example (N x features ...)")
    X = X.astype(np.float32)
    X = to_layout(X, task, layout)
    rank = TASKS[task].rank
    if rank is not None and X.ndim != rank:
        raise DataError(f"{path}: {name} has shape {X.shape}; a {task} task needs {TASKS[task].layout}")
    if not np.isfinite(X).all():
        raise DataError(f"{path}: {name} contains NaN or infinite values")
    return X


def _target(path: Path, key: str, y: np.ndarray) -> np.ndarray:
    """One target per row, numbers or text (class names); DataError for anything else."""
    if y.dtype.kind not in TARGET_KINDS:
        raise DataError(f"{path}: {key} has dtype {y.dtype}; targets are numbers or text (class names)")
    if y.ndim == 0 or (y.ndim > 1 and int(np.prod(y.shape[1:])) != 1):
        raise DataError(f"{path}: {key} must hold one target per row, got shape {y.shape}")
    return y.reshape(len(y))


def load_npz(path: Path, spec: DataSpec) -> Raw:
    """X and y (split by nas), or X_train/y_train, X_val/y_val[, X_test/y_test] used as given, or
    X_train/y_train, X_test/y_test: the test split as given, validation rows held out of X_train."""
    arrays = _npz_arrays(path)
    parts = ["X"] if "X" in arrays else [f"X_{s}" for s in SPLIT_KEYS if f"X_{s}" in arrays]
    given = arrays[parts[0]]
    sequence = spec.task == "sequence" and given.ndim == 3
    layout = (spec.layout or sequence_axes(given)) if sequence else None
    X, y = [], []
    for key in parts:
        ykey = "y" + key[1:]
        if ykey not in arrays:
            raise DataError(f"{path}: has {key} but no {ykey}")
        xs, ys = _features(path, key, arrays[key], spec.task, layout), _target(path, ykey, arrays[ykey])
        if len(xs) != len(ys):
            raise DataError(f"{path}: {key} has {len(xs)} rows but {ykey} has {len(ys)}")
        if len(xs) == 0:
            raise DataError(f"{path}: {key} has no rows")
        X.append(xs)
        y.append(ys)
    if len({x.shape[1:] for x in X}) > 1:
        raise DataError(f"{path}: the splits' inputs differ in shape ({', '.join(str(x.shape[1:]) for x in X)})")
    labels, kind, names = encode_target(path, "y", np.concatenate(y), spec.kind)
    notes = []
    if sequence and spec.layout is None:
        steps, channels = X[0].shape[1:]
        axes, other = SEQUENCE_LAYOUT_NAMES[layout]
        notes.append(f"{parts[0]} of shape N x {given.shape[1]} x {given.shape[2]} read as {steps} steps of {channels} "
                     f"channel(s) ({axes}; --layout {other} reads it the other way)")
    elif spec.task == "sequence" and given.ndim == 2:
        notes.append(f"{parts[0]} of shape N x {given.shape[1]} read as series of {given.shape[1]} steps, one channel "
                     f"(--task tabular reads each column as a feature)")
    ends = np.cumsum([len(x) for x in X])
    rows = dict(zip(parts, (np.arange(a, b) for a, b in zip([0, *ends[:-1]], ends))))
    splits, test_rows, source = None, None, f"{path}"
    if "X_val" in rows:
        splits = (rows["X_train"], rows["X_val"], rows.get("X_test", rows["X_val"]))
        source += " (its own split)"
        if "X_test" not in rows:
            notes.append("no X_test: the test metrics are computed on the validation split (X_val)")
    elif "X_test" in rows:
        # A train / test pair (a benchmark's official split): the test rows stay as given, and a
        # seeded quarter of X_train validates (stratified for classes), as for the built-in UCR sets.
        test_rows = rows["X_test"]
        source += " (its own test split)"
        notes.append("X_test is the test split as given; no X_val: a quarter of X_train, drawn by --seed, validates")
    return Raw(np.concatenate(X), labels, kind, names, source, notes=tuple(notes),
               splits=splits, test_rows=test_rows,
               extra={"layout": layout} if layout else {})


def _rows(columns: Columns, keep: np.ndarray) -> Columns:
    """Every column cut to the rows `keep` selects."""
    return {name: values[keep] for name, values in columns.items()}


def _labelled(path: Path, columns: Columns, target: str, notes: list[str]) -> Columns:
    """The rows whose target cell holds a value (nothing can be learned from the others)."""
    labelled = ~missing_cells(pick_target(path, columns, target))
    if not labelled.any():
        raise DataError(f"{path}: column '{target}' has no values")
    if labelled.all():
        return columns
    notes.append(f"{int((~labelled).sum())} of {len(labelled)} rows left out: their target '{target}' is missing")
    return _rows(columns, labelled)


def _common_classes(y: np.ndarray, names: list[str], notes: list[str]) -> tuple[np.ndarray | None, np.ndarray, list[str]]:
    """Rows to keep (None: all), class indices and names once classes seen fewer than
    MIN_PER_CLASS times are left out: a stratified split needs one of each in train, validation
    and test. Kept as they are (the split then refuses them) when fewer than 2 classes remain."""
    counts = np.bincount(y, minlength=len(names))
    common = counts >= MIN_PER_CLASS
    if common.all() or common.sum() < 2:
        return None, y, names
    keep = common[y]
    rare = [f"'{names[c]}' ({counts[c]})" for c in np.flatnonzero(~common)]
    notes.append(f"{int((~keep).sum())} rows of class(es) {', '.join(rare)} left out: fewer than {MIN_PER_CLASS} "
                 f"examples each, too few to split into train, validation and test")
    renumber = np.cumsum(common) - 1
    return keep, renumber[y[keep]], [n for n, c in zip(names, common) if c]


def _feature_columns(path: Path, columns: Columns, target: str, notes: list[str]) -> tuple[Columns, Columns]:
    """(numeric columns as floats, text columns to one-hot), the target left out. A text column of
    more than MAX_CATEGORIES values (a name, an id, free text) is ignored, not refused."""
    numeric, text = {}, {}
    for name, values in columns.items():
        if name == target:
            continue
        if (numbers := as_numbers(values)) is not None:
            numeric[name] = numeric_column(path, name, values, missing_ok=True, numbers=numbers)
        elif (distinct := len(set(values.tolist()))) > MAX_CATEGORIES:
            notes.append(f"text column '{name}' ignored: {distinct} distinct values (an id or free text, not a category)")
        else:
            text[name] = values
    if not numeric and not text:
        raise DataError(f"{path}: no usable feature columns besides the target '{target}'")
    return numeric, text


def _table(path: Path, spec: DataSpec, every_class: bool = False) -> Raw:
    """A CSV table: numeric columns as X, text columns kept for one-hot encoding after the split.

    What an AutoML tool does with a real export (AutoGluon does the same): rows without a
    target, and classes too rare to split, are left out, and id-like text columns ignored. Each
    is said in a note printed when the search starts, and replayed on every reload of the data.
    `every_class` keeps rare classes (a test file, nas.data.given_test: scored as given, never split).
    """
    notes: list[str] = []
    columns = _labelled(path, read_csv(path, notes), spec.target, notes)
    y, kind, names = encode_target(path, f"column '{spec.target}'", columns[spec.target], spec.kind)
    if kind == "classification" and not every_class:
        keep, y, names = _common_classes(y, names, notes)
        if keep is not None:
            columns = _rows(columns, keep)
    numeric, text = _feature_columns(path, columns, spec.target, notes)
    X = np.stack(list(numeric.values()), axis=1).astype(np.float32) if numeric else np.zeros((len(y), 0), np.float32)
    return Raw(X, y, kind, names, f"{path} (CSV table, target '{spec.target}')", columns=list(numeric),
               categorical=text, extra={"target": spec.target}, notes=tuple(notes))


def _rows_as_series(path: Path, spec: DataSpec, every_class: bool = False) -> Raw:
    """A CSV whose rows are series (`--task sequence`, no --window: a UCR set exported with its
    label as a column): the numeric columns in file order are the T steps of one channel."""
    if spec.target is None:
        raise UsageError(f"--window: a sequence task on the CSV {path} needs --window W (forecast one series: steps "
                         f"per input) or --target T (one series per row, T its label or value)")
    table = _table(path, spec, every_class)
    if table.X.shape[1] < SERIES_MIN_STEPS:
        raise UsageError(f"--window: {path} has {table.X.shape[1]} numeric column(s) besides '{spec.target}', too few "
                         f"for one series per row (at least {SERIES_MIN_STEPS} steps); to forecast the column as one "
                         f"series pass --window W (steps per input)")
    if table.categorical:
        name = next(iter(table.categorical))
        raise DataError(f"{path}: column '{name}' is text; the columns of a series (one row per series) are numbers "
                        f"(--task tabular reads it as a table)")
    if np.isnan(table.X).any():
        row, col = (int(i[0]) for i in np.nonzero(np.isnan(table.X)))
        raise DataError(f"{path}: column '{table.columns[col]}' has a missing value in data row {row + 1}; "
                        f"a series needs every step")
    steps = table.X.shape[1]
    return replace(table, X=table.X[:, :, None], source=f"{path} (CSV, one series per row, target '{spec.target}')",
                   notes=(*table.notes, f"each row read as a series of {steps} steps, one channel (the columns in file "
                                        f"order, '{spec.target}' left out; --task tabular reads each column as a feature)"))


def _series(path: Path, spec: DataSpec) -> Series:
    """A CSV series: every numeric column (dates and other text are skipped), target forecast later."""
    notes: list[str] = []
    columns = read_csv(path, notes)
    pick_target(path, columns, spec.target)
    if as_numbers(columns[spec.target]) is None:
        raise DataError(f"{path}: column '{spec.target}' is not numeric, so it cannot be a regression target")
    numeric = {n: v for n, v in columns.items() if as_numbers(v) is not None}  # text columns (dates) are skipped
    values = np.stack([numeric_column(path, n, v) for n, v in numeric.items()], axis=1).astype(np.float32)
    return Series(values, list(numeric), str(spec.target), f"{path} (CSV series, forecasting '{spec.target}')",
                  notes=tuple(notes))


# Column names that say "this is what to predict" in exported tables (scikit-learn's frames:
# target; Keras / UCR exports: label, class; textbooks: y). Matched in any case.
TARGET_NAMES = ("target", "label", "class", "y")


def _implied_target(path: Path, spec: DataSpec) -> tuple[str | None, str]:
    """The target a CSV implies when --target is not given, and the note that says why: the one
    column with a conventional name, the first column of a file without a header row when it
    holds class labels (the UCR archive's .tsv), or a forecast series' only numeric column."""
    read: list[str] = []
    names = list(read_csv(path, read, head=1))  # the names alone: a large file is read in full once, later
    named = [name for name in names if name.lower() in TARGET_NAMES]
    if len(named) == 1:
        return named[0], f"no --target: column '{named[0]}' is the target (its name says so; --target picks another)"
    no_header = any(note.startswith(NO_HEADER) for note in read)  # not pandas' 0, 1, 2 header: that could be anything
    if not (no_header or spec.window):
        return None, ""
    columns = read_csv(path)
    first = as_numbers(columns["0"]) if no_header and not spec.window else None
    if first is not None and looks_like_classes(first):
        return "0", ("no --target: column 0, the first, is the target (a file without a header row whose first "
                     "column holds class labels: the UCR archive's layout; --target N picks another)")
    numeric = [name for name, values in columns.items() if as_numbers(values) is not None]
    if spec.window and len(numeric) == 1:
        return numeric[0], f"no --target: forecasting '{numeric[0]}', the file's only numeric column"
    return None, ""


def load_csv(path: Path, spec: DataSpec, every_class: bool = False) -> Raw | Series:
    """A table (--target); with --window, a series whose --target is forecast one step ahead; for a
    sequence task without --window, one series per row (nas.data.files._rows_as_series).
    Without --target, an obvious target is taken and said (`_implied_target`); it is stored with
    the study's preprocessing, and found the same way again on every reload."""
    if spec.kind == "classification" and spec.window:
        raise UsageError("--kind: forecasting a series (--window) is regression")
    note = ""
    if spec.target is None:
        target, note = _implied_target(path, spec)
        spec = replace(spec, target=target)
    if spec.window:
        data: Raw | Series = _series(path, spec)
    else:
        data = _rows_as_series(path, spec, every_class) if spec.task == "sequence" else _table(path, spec, every_class)
    return replace(data, notes=(note, *data.notes)) if note else data


def load_folder(path: Path, spec: DataSpec) -> Raw:
    from nas.data.image_folder import load_image_folder

    return load_image_folder(path, spec.image_size)


LOADERS: dict[str, Callable[[Path, "DataSpec"], Raw | Series]] = {".npz": load_npz, ".csv": load_csv}


def load_file(spec: DataSpec) -> Raw | Series:
    """Read the file or folder at `spec.path` (flags that do not apply to it are refused)."""
    path = Path(str(spec.path))
    check_path(path)
    kind = file_kind(path)
    if kind != "folder" and kind not in LOADERS:
        raise _unsupported(path)
    allowed = {"folder": {"image_size"}, ".npz": {"kind"}, ".csv": {"target", "window", "kind"}}[kind]
    for flag in ("target", "window", "image_size", "kind"):
        if getattr(spec, flag) is not None and flag not in allowed:
            raise UsageError(f"--{flag.replace('_', '-')}: does not apply to {path} "
                             f"({'an image folder' if kind == 'folder' else kind + ' file'})")
    if kind == "folder":
        if spec.task != "image":
            raise UsageError(f"--task: {path} is a folder of images; use --task image")
        return load_folder(path, spec)
    if kind == ".csv" and spec.task == "image":
        raise UsageError(f"--task: {path} is a CSV file; use --task tabular (or sequence with --window)")
    return LOADERS[kind](path, spec)
