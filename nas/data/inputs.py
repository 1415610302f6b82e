"""New raw inputs for prediction: read a file the way training data was read, then replay the
stored preprocessing. `info` is `TaskData.describe()` (kept in the study and in export bundles).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nas.data._task import apply_standardize, fill_missing
from nas.data.files import file_kind, split_files, unsupported
from nas.data.gaps import filled_gaps, filled_series
from nas.data.time_grid import on_grid
from nas.data.npz_file import read_npz
from nas.data.ts_file import read_ts
from nas.data.long_csv import LongLayout, read_long
from nas.data.tsf_file import read_tsf, series_scale, series_windows
from nas.data.layouts import to_layout
from nas.data.arrow_images import decoded, image_rows
from nas.data.image_folder import split_folders
from nas.data.images import IMAGE_SUFFIXES, image_files, read_image, resized
from nas.data.categories import one_hot
from nas.data.codes import code_indicators
from nas.data.tables import Columns, headerless, numeric_column, read_csv
from nas.data.window import windows
from nas.errors import DataError


@dataclass(frozen=True)
class Inputs:
    """New inputs read from one file or folder: model-ready X, one name per row, and the true
    targets the input held beside them (a CSV's target column, an NPZ's y or y_test, a class
    folder's name; None when it held none), so `nas predict` can score itself without a second read."""

    X: np.ndarray
    names: list[str]
    answers: np.ndarray | None = None
    # A .tsf file's windows forecast a change in their series' scaled units: the value is
    # offset + unit x the model's answer (nas.data.tsf_file); None for every other input.
    offset: np.ndarray | None = None
    unit: np.ndarray | None = None


Read = tuple[np.ndarray, list[str], "np.ndarray | None"]  # what a reader returns: raw X, names, answers


def _npz(path: Path, info: dict[str, Any]) -> Read:
    """Array X, or X_test when there is no X: a file saved with its own split (as nas search
    reads it) predicts its test inputs, without writing them out again; y (or y_test) beside it
    are the answers."""
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
    answers = arrays.get("y" + key[1:])
    X = to_layout(X.astype(np.float32), info["task"], layout)
    if info["task"] == "image" and X.ndim == 4:  # images of another size: read at the model's, as image files are
        X = resized(X, tuple(info["input_shape"][1:]))
    if info["task"] == "sequence":  # missing steps filled along each series, as in training (npz_file)
        X, _ = filled_series(f"{path}: {key}", X)
    return X, [str(i) for i in range(len(X))], answers


def _series_by_position(table: Columns, columns: list[str], info: dict[str, Any]) -> Columns:
    """New series in a file without a header row, of another length than the model's (the UCR
    archive's TEST.tsv of a varying-length set: PLAID's 1,000 steps a row against TRAIN's 1,344):
    the model's steps by position, a shorter file's missing ones empty, so read as the padding they
    are (zeros after a series' last step, nas.data.gaps), a longer one's cut, as the test file of
    a search is (nas.data.given_test). Its first column is the labels, kept as the answers, when
    the model was trained on such a file (target '0') and each value is one of its classes."""
    values = list(table.values())
    target = info.get("preprocessing", {}).get("target")
    labelled = (target == "0" and info["kind"] == "classification"
                and set(values[0].tolist()) <= {str(c) for c in info["class_names"]})
    steps = values[1:] if labelled else values
    empty = np.full(len(values[0]), "", dtype=values[0].dtype)
    steps = [*steps, *[empty] * (len(columns) - len(steps))][: len(columns)]
    return {**({target: values[0]} if labelled else {}), **dict(zip(columns, steps))}


def _forecast_names(times: np.ndarray | None, time: str | None, window: int, count: int) -> list[str]:
    """What each forecast is for: the time of the step after its window, by the column training
    read as the time (`Day 335`, `date 2019-12-31`; the last window's, past the file's end, `date
    after 2019-12-31`), else the step's place in the file (`step 244`, counted from 0)."""
    if times is None:
        return [f"step {i + window}" for i in range(count)]
    return [f"{time} {times[i + window]}" if i + window < len(times) else f"{time} after {times[-1]}"
            for i in range(count)]


def _csv(path: Path, info: dict[str, Any]) -> Read:
    """A table (numeric columns, then the stored one-hot categories) or, for a forecasting model,
    a series cut into windows: one prediction per full window, the last one past the end. A file
    without a header row holding exactly the feature columns (new series for a model trained on a
    UCR .tsv, label first, given without the label) is mapped to them by position. The target
    column, when the file has it, holds the answers (a forecast's: the value after each window, the
    last window's unknown)."""
    prep = info.get("preprocessing", {})
    table = read_csv(path)
    categories: dict[str, list[str]] = prep.get("categories", {})
    columns = prep.get("columns") or [c for c in table if c not in categories and c != prep.get("target")]
    if any(c not in table for c in columns) and headerless(table) and not categories:
        if len(table) == len(columns):
            table = dict(zip(columns, table.values()))
        elif info["task"] == "sequence" and "window" not in prep:
            table = _series_by_position(table, columns, info)
    wanted = [*columns, *categories]
    missing = [c for c in wanted if c not in table]
    if missing and headerless(table):  # no names to find the columns by, and a count that does not fit
        named = ", ".join(wanted[:5]) + (", ..." if len(wanted) > 5 else "")
        by_position = "" if categories else "exactly those in order, or "
        raise DataError(f"{path}: no header row and {len(table)} columns; the model reads {len(wanted)} "
                        f"({named}): give {by_position}a header row naming them")
    if missing:
        raise DataError(f"{path}: missing column(s) {', '.join(missing[:5])}")
    series = "window" in prep
    if series and "grid" in prep and prep["grid"]["column"] in table:  # the steps the file skips, as in training
        table, _ = on_grid(path, table, prep["grid"]["column"], prep["grid"]["step"])
    per_row = info["task"] == "sequence" and not series  # one series per row: its gaps filled below
    orders = prep.get("date_orders", {})  # dates not in ISO 8601: read in the order training found
    numbers = [numeric_column(path, c, table[c], missing_ok="fill" in prep or series or per_row,
                              date_order=orders.get(c, "iso")) for c in columns]
    if series:  # a series' missing steps are filled as in training (nas.data.gaps.filled_gaps)
        numbers = [filled_gaps(path, c, n)[0] for c, n in zip(columns, numbers)]
    rows = len(next(iter(table.values())))
    X = np.stack(numbers, axis=1).astype(np.float32) if numbers else np.zeros((rows, 0), np.float32)
    if series:
        window = int(prep["window"])
        if rows < window:
            raise DataError(f"{path}: {rows} rows; the model reads windows of {window} steps")
        X, _ = windows(X, None, window)
        target = table.get(prep.get("target", ""))  # each window's answer is the next value (a missing one, or
        answers = np.append(target[window:], "") if target is not None else None  # the last's, is not scored)
        return X, _forecast_names(table.get(prep.get("time", "")), prep.get("time"), window, len(X)), answers
    X = np.concatenate([X, one_hot({c: table[c] for c in categories}, categories, rows),
                        code_indicators(X, columns, prep.get("codes", {}))], axis=1)
    names = [str(i) for i in range(len(X))]
    X = to_layout(X, info["task"])
    if per_row:  # missing steps filled as in training (nas.data.gaps)
        X, _ = filled_series(path, X)
    return X, names, table.get(prep.get("target", ""))


def _images(paths: list[Path], info: dict[str, Any]) -> np.ndarray:
    shape = info["input_shape"]
    if len(shape) != 3:
        raise DataError(f"{paths[0]}: images given, but the model takes inputs of shape {tuple(shape)}")
    return np.stack([read_image(p, (shape[1], shape[2]), shape[0]) for p in paths])


def _class_images(root: Path) -> list[Path]:
    """The images of a folder laid out as for training, one sub-folder per class (a labelled test
    set), sorted by class folder then name; [] when `root` holds images itself."""
    if image_files(root):
        return []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [f for folder in folders for f in image_files(folder)]


def _folder(root: Path, info: dict[str, Any]) -> Read:
    """A flat folder of images, or one sub-folder per class (rows named class/file; the class
    folders' names are the answers)."""
    labelled = _class_images(root)
    files = image_files(root) or labelled
    if not files and (given := split_folders(root)) is not None:
        raise DataError(f"{root}: a folder of split folders ({', '.join(sorted(f.name + '/' for f in given.values()))}); "
                        f"pass the one to predict, e.g. {given.get(2, given[0])}")
    if not files and (split := split_files(root)) is not None:
        raise DataError(f"{root}: a folder of one file a split; pass the file to predict, e.g. {split.test or split.train}")
    if not files:
        raise DataError(f"{root}: folder has no image files (directly, or in one sub-folder per class)")
    names = [f"{f.parent.name}/{f.name}" if labelled else f.name for f in files]
    return _images(files, info), names, np.array([f.parent.name for f in labelled]) if labelled else None


def _image_rows(path: Path, info: dict[str, Any]) -> Read:
    """A Parquet or Feather file of images (nas.data.arrow_images), read at the model's size and
    channels; its label column (the one training read, else the one the file names), if any, the answers."""
    shape = info["input_shape"]
    if len(shape) != 3:
        raise DataError(f"{path}: images given, but the model takes inputs of shape {tuple(shape)}")
    read = image_rows(path, info.get("preprocessing", {}).get("target"), need_labels=False)
    return decoded(path, read, (shape[1], shape[2]), shape[0]), [str(i) for i in read.rows], read.labels


def _ts(path: Path, info: dict[str, Any]) -> Read:
    """A .ts file's series (brought to the model's length, as a test file is); its labels or values, if any, are the answers."""
    X, labels, _ = read_ts(path, length=int(info["input_shape"][0]))
    return X, [str(i) for i in range(len(X))], labels


READERS: dict[str, Callable[[Path, dict[str, Any]], Read]] = {
    ".npz": _npz, ".csv": _csv, ".ts": _ts, "images": _image_rows, **{s: lambda p, i: (_images([p], i), [p.name], None) for s in IMAGE_SUFFIXES},
}


def _many_series(path: Path, info: dict[str, Any]) -> Inputs:
    """Many series, a .tsf file's or a long-format CSV's (read by the columns training read,
    `long_columns`), cut into windows as training cut them (nas.data.tsf_file), each series
    scaled by its own mean absolute value: one forecast per window, the last one past the
    series' end; the steps after the others are the answers."""
    prep = info.get("preprocessing", {})
    window = int(prep.get("tsf_window", 0))
    if not window:
        raise DataError(f"{path}: a .tsf file is read by a model trained on one (this one was trained on "
                        f"{info.get('task')} data of another kind)")
    time: str | None = None  # a long CSV's time column, which names its forecasts
    if file_kind(path) == ".tsf":
        tsf = read_tsf(path)
    else:
        columns = read_csv(path)
        layout = LongLayout(*prep["long_columns"])
        if missing := [c for c in (layout.id, layout.time, layout.value) if c not in columns]:
            raise DataError(f"{path}: no column '{missing[0]}' (the model's series were read from columns "
                            f"'{layout.id}', '{layout.time}' and '{layout.value}')")
        tsf, time = read_long(path, columns, layout), layout.time
    X, names, answers, offset, unit = [], [], [], [], []
    for k, (name, values) in enumerate(zip(tsf.names, tsf.series)):
        if len(values) < window:
            continue
        scale = series_scale(values)
        rows, _, last = series_windows(values, window, scale)
        X.append(rows)
        if tsf.times is None or time is None:  # a .tsf file: the step's place in its series, from 1
            names += [f"{name} step {window + i + 1}" for i in range(len(rows))]
        else:  # a long CSV: the time of the step each forecast is for, as a single series' are named
            names += [f"{name} {n}" for n in _forecast_names(tsf.times[k], time, window, len(rows))]
        answers.append(np.append(values[window:], np.nan))
        offset.append(last)
        unit.append(np.full(len(rows), scale))
    if not X:
        raise DataError(f"{path}: no series of {window} steps or more (the model reads windows of {window})")
    return Inputs(apply_standardize(np.concatenate(X).astype(np.float32), prep, info["task"]), names,
                  np.concatenate(answers), np.concatenate(offset), np.concatenate(unit))


def read_inputs(path: str | Path, info: dict[str, Any]) -> Inputs:
    """Model-ready float32 inputs, one name per row (file name or row index) and the answers the
    input held beside them, if any (`Inputs`)."""
    path = Path(path)
    if path.is_file() and (file_kind(path) == ".tsf" or "long_columns" in info.get("preprocessing", {})):
        return _many_series(path, info)
    if path.is_dir():
        X, names, answers = _folder(path, info)
    elif not path.exists():
        raise DataError(f"{path}: no such file or folder")
    elif file_kind(path) not in READERS:
        raise unsupported(path, images="an image or a folder of them")
    else:
        X, names, answers = READERS[file_kind(path)](path, info)
    expected = tuple(info["input_shape"])
    if tuple(X.shape[1:]) != expected:
        raise DataError(f"{path}: inputs have shape {tuple(X.shape[1:])}, the model expects {expected}")
    prep = info.get("preprocessing", {})
    X = fill_missing(X.astype(np.float32), prep)  # missing table cells are filled as in training
    if not np.isfinite(X).all():
        raise DataError(f"{path}: inputs contain NaN or infinite values")
    one_per_row = answers is not None and answers.ndim == 1 and len(answers) == len(X)
    return Inputs(apply_standardize(X, prep, info["task"]), names, answers if one_per_row else None)


def load_inputs(path: str | Path, info: dict[str, Any]) -> tuple[np.ndarray, list[str]]:
    """Model-ready float32 inputs and one name per row (`read_inputs` without the answers)."""
    inputs = read_inputs(path, info)
    return inputs.X, inputs.names
