"""New raw inputs for prediction: read a file the way training data was read, then replay the
stored preprocessing. `info` is `TaskData.describe()` (kept in the study and in export bundles).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from nas.data._task import apply_standardize, fill_missing
from nas.data.files import file_kind
from nas.data.npz_file import read_npz
from nas.data.layouts import to_layout
from nas.data.images import IMAGE_SUFFIXES, image_files, read_image
from nas.data.tables import Columns, headerless, numeric_column, one_hot, read_csv, windows
from nas.errors import DataError


def _npz(path: Path, info: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    """Array X, or X_test when there is no X: a file saved with its own split (as nas search
    reads it) predicts its test inputs, without writing them out again."""
    arrays = read_npz(path)
    key = next((k for k in ("X", "X_test") if k in arrays), None)
    if key is None:
        raise DataError(f"{path}: no array named 'X' or 'X_test' (found: {', '.join(arrays) or 'none'})")
    X = arrays[key]
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"{path}: {key} is not real-valued numbers (dtype {X.dtype})")
    if X.ndim < 2:
        raise DataError(f"{path}: {key} has shape {X.shape}; expected one row per input")
    layout = info.get("preprocessing", {}).get("layout")  # how the training file's axes were read
    return to_layout(X.astype(np.float32), info["task"], layout), [str(i) for i in range(len(X))]


def _table(path: Path, info: dict[str, Any]) -> tuple[Columns, list[str], dict[str, list[str]]]:
    """The CSV's columns, with the trained feature columns and categories. A file without a header
    row holding exactly the feature columns (new series for a model trained on a UCR .tsv, label
    first, given without the label) is mapped to them by position."""
    prep = info.get("preprocessing", {})
    table = read_csv(path)
    categories: dict[str, list[str]] = prep.get("categories", {})
    columns = prep.get("columns") or [c for c in table if c not in categories and c != prep.get("target")]
    if any(c not in table for c in columns) and headerless(table) and len(table) == len(columns) and not categories:
        table = dict(zip(columns, table.values()))
    return table, columns, categories


def _csv(path: Path, info: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    """A table (numeric columns, then the stored one-hot categories) or, for a forecasting model,
    a series cut into windows: one prediction per full window, the last one past the end."""
    prep = info.get("preprocessing", {})
    table, columns, categories = _table(path, info)
    missing = [c for c in [*columns, *categories] if c not in table]
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing[:5])}")
    numbers = [numeric_column(path, c, table[c], missing_ok="fill" in prep) for c in columns]
    rows = len(next(iter(table.values())))
    X = np.stack(numbers, axis=1).astype(np.float32) if numbers else np.zeros((rows, 0), np.float32)
    if "window" in prep:
        window = int(prep["window"])
        if rows < window:
            raise DataError(f"{path}: {rows} rows; the model reads windows of {window} steps")
        X, _ = windows(X, None, window)
        return X, [f"step {i + window}" for i in range(len(X))]
    X = np.concatenate([X, one_hot({c: table[c] for c in categories}, categories, rows)], axis=1)
    return to_layout(X, info["task"]), [str(i) for i in range(len(X))]  # a sequence task: one series per row


def _images(paths: list[Path], info: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    shape = info["input_shape"]
    if len(shape) != 3:
        raise DataError(f"{paths[0]}: images given, but the model takes inputs of shape {tuple(shape)}")
    X = np.stack([read_image(p, (shape[1], shape[2]), shape[0]) for p in paths])
    return X, [p.name for p in paths]


READERS: dict[str, Callable[[Path, dict[str, Any]], tuple[np.ndarray, list[str]]]] = {
    ".npz": _npz, ".csv": _csv, **{s: lambda p, i: _images([p], i) for s in IMAGE_SUFFIXES},
}


def _csv_answers(path: Path, info: dict[str, Any]) -> np.ndarray | None:
    """A table's target column, when the file has it (a forecast's answers are the series itself:
    not read)."""
    prep = info.get("preprocessing", {})
    target = prep.get("target")
    if not target or "window" in prep:
        return None
    table, _, _ = _table(path, info)
    return table.get(target)


def _npz_answers(path: Path, info: dict[str, Any]) -> np.ndarray | None:
    """y beside X, or y_test beside X_test: the array beside the inputs `_npz` reads."""
    arrays = read_npz(path)
    return arrays.get("y") if "X" in arrays else arrays.get("y_test")


ANSWERS: dict[str, Callable[[Path, dict[str, Any]], np.ndarray | None]] = {".csv": _csv_answers, ".npz": _npz_answers}


def _class_images(root: Path) -> list[Path]:
    """The images of a folder laid out as for training, one sub-folder per class (a labelled test
    set), sorted by class folder then name; [] when `root` holds images itself."""
    if image_files(root):
        return []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [f for folder in folders for f in image_files(folder)]


def load_answers(path: str | Path, info: dict[str, Any]) -> np.ndarray | None:
    """The true targets an input holds beside its inputs, one per row of `load_inputs` (a CSV's
    target column, an NPZ's y or y_test, a class folder's name), or None: `nas predict` then
    scores itself on them."""
    path = Path(path)
    if path.is_dir():
        labelled = _class_images(path)
        return np.array([f.parent.name for f in labelled]) if labelled else None
    reader = ANSWERS.get(file_kind(path)) if path.is_file() else None
    answers = reader(path, info) if reader else None
    return None if answers is None or answers.ndim != 1 else answers


def load_inputs(path: str | Path, info: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    """Model-ready float32 inputs and one name per row (file name or row index)."""
    path = Path(path)
    if path.is_dir():
        files = image_files(path) or _class_images(path)  # a flat folder, or one sub-folder per class
        if not files:
            raise DataError(f"{path}: folder has no image files (directly, or in one sub-folder per class)")
        X, _ = _images(files, info)
        names = [f"{f.parent.name}/{f.name}" if f.parent != path else f.name for f in files]
    elif not path.exists():
        raise DataError(f"{path}: no such file or folder")
    elif file_kind(path) not in READERS:
        raise DataError(f"{path}: unsupported input type '{path.suffix}' (expected .npz, .csv, .tsv or an image)")
    else:
        X, names = READERS[file_kind(path)](path, info)
    expected = tuple(info["input_shape"])
    if tuple(X.shape[1:]) != expected:
        raise DataError(f"{path}: inputs have shape {tuple(X.shape[1:])}, the model expects {expected}")
    prep = info.get("preprocessing", {})
    X = fill_missing(X.astype(np.float32), prep)  # missing table cells are filled as in training
    if not np.isfinite(X).all():
        raise DataError(f"{path}: inputs contain NaN or infinite values")
    return apply_standardize(X, prep, info["task"]), names
