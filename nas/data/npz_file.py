"""An .npz file of named arrays (`--data arrays.npz`) -> Raw: X and y, or a given split
(X_train / X_val / X_test), never unpickled; names in any case, a scikit-learn Bunch's names too.

Every problem is a one-line DataError naming the file and what is wrong.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nas.data._raw import Raw
from nas.data._split import given_split
from nas.data._task import filled_note
from nas.data.gaps import filled_series
from nas.data.images import common_size, resized
from nas.data.layouts import (SEQUENCE_LAYOUT_NAMES, looks_like_images, looks_like_sequences, looks_like_series,
                               sequence_axes, to_layout)
from nas.data.tables import encode_target, stored_kind
from nas.data.tasks import TASKS
from nas.errors import DataError, UsageError, first_line

if TYPE_CHECKING:
    from nas.data import DataSpec

SPLIT_KEYS = ("train", "val", "test")
# What np.load raises on a damaged or hostile .npz (found by fuzzing, issue 14): not a zip, a bad
# member, a bad checksum, a header that declares an absurd shape.
NPZ_ERRORS = (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, zlib.error, NotImplementedError, MemoryError)
TARGET_KINDS = "biufU"  # bool, integers, floats, text: what a target column can be


def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of an .npz file, never unpickling, nas's names in nas's case (_canonical_names);
    DataError when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as z:
            if not isinstance(z, np.lib.npyio.NpzFile):
                raise DataError(f"{path}: a single .npy array, not an .npz archive of named arrays")
            arrays = {k: np.asarray(z[k]) for k in z.files}
    except NPZ_ERRORS as exc:
        raise DataError(f"{path}: unreadable .npz file ({first_line(exc)})") from None
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


def npz_arrays(path: Path) -> dict[str, np.ndarray]:
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


def npz_task(path: Path, X: np.ndarray) -> str:
    """The task an X array means. A 2-D X is a table unless its rows look like series
    (nas.data.layouts.looks_like_series: a UCR set saved as N x T); a 3-D X is sequences when its
    shape cannot be images (nas.data.layouts.looks_like_sequences: N x 1 x 24), images when square or
    bytes (`looks_like_images`: Keras' mnist.npz, N x 28 x 28 uint8), else ambiguous (N x 16 x 40)."""
    if X.ndim == 2:
        return "sequence" if looks_like_series(X) else "tabular"
    if X.ndim == 3:
        if looks_like_sequences(X.shape):
            return "sequence"
        if looks_like_images(X):
            return "image"
        raise UsageError(f"--task: {path} holds 3-D inputs of N x {X.shape[1]} x {X.shape[2]} (images N x H x W or "
                         f"sequences N x T x F); pass --task image or --task sequence")
    if X.ndim != 4:
        raise DataError(f"{path}: X has {X.ndim} dimensions; expected 2 (tables), 3 (sequences) or 4 (images)")
    return "image"


def _features(path: Path, name: str, X: np.ndarray, task: str, layout: str | None = None) -> tuple[np.ndarray, str | None]:
    """An npz input array as float32 in the layout the task needs, and a note when missing values
    (NaN) were there; DataError for text, wrong rank, infinity, NaN in images.

    NaN is a missing value, as in a CSV: a table's cells stay NaN here and are filled with their
    column's training median (nas.data.fill_missing, after the split), a series' steps are filled
    along the series (nas.data.gaps.filled_series: gaps, and the NaN padding of unequal lengths
    that aeon and tslearn write). An image has no such reading."""
    if not (np.issubdtype(X.dtype, np.number) or X.dtype == bool) or np.issubdtype(X.dtype, np.complexfloating):
        raise DataError(f"{path}: {name} is not real-valued numbers (dtype {X.dtype})")
    if X.ndim < 2:
        raise DataError(f"{path}: {name} has shape {X.shape}; expected one row per example (N x features ...)")
    X = X.astype(np.float32)
    X = to_layout(X, task, layout)
    rank = TASKS[task].rank
    if rank is not None and X.ndim != rank:
        raise DataError(f"{path}: {name} has shape {X.shape}; a {task} task needs {TASKS[task].layout}")
    if np.isinf(X).any():
        raise DataError(f"{path}: {name} contains infinite values")
    missing = np.isnan(X)
    if not missing.any():
        return X, None
    if task == "sequence":
        X, note = filled_series(f"{path}: {name}", X)
        return X, f"{name}: {note}"
    if X.ndim != 2:
        raise DataError(f"{path}: {name} contains NaN (missing) values; only a table's cells or a series' steps can be filled")
    return X, f"{name}: {filled_note(missing)}"


def _target(path: Path, key: str, y: np.ndarray) -> np.ndarray:
    """One target per row, numbers or text (class names); DataError for anything else."""
    if y.dtype.kind not in TARGET_KINDS:
        raise DataError(f"{path}: {key} has dtype {y.dtype}; targets are numbers or text (class names)")
    if y.ndim == 0 or (y.ndim > 1 and int(np.prod(y.shape[1:])) != 1):
        raise DataError(f"{path}: {key} must hold one target per row, got shape {y.shape}")
    return y.reshape(len(y))


def load_npz(path: Path, spec: DataSpec, test_file: bool = False) -> Raw:
    """X and y (split by nas), or X_train/y_train, X_val/y_val[, X_test/y_test] used as given, or
    X_train/y_train, X_test/y_test: the test split as given, validation rows held out of X_train.
    `test_file`: read as --test-data (nas.data.given_test), whose y may hold a single class."""
    arrays = npz_arrays(path)
    parts = ["X"] if "X" in arrays else [f"X_{s}" for s in SPLIT_KEYS if f"X_{s}" in arrays]
    given = arrays[parts[0]]
    sequence = spec.task == "sequence" and given.ndim == 3
    layout = (spec.layout or sequence_axes(given)) if sequence else None
    X, y, missing_notes = [], [], []
    for key in parts:
        ykey = "y" + key[1:]
        if ykey not in arrays:
            raise DataError(f"{path}: has {key} but no {ykey}")
        (xs, filled), ys = _features(path, key, arrays[key], spec.task, layout), _target(path, ykey, arrays[ykey])
        missing_notes += [filled] if filled else []
        if len(xs) != len(ys):
            raise DataError(f"{path}: {key} has {len(xs)} rows but {ykey} has {len(ys)}")
        if ys.dtype.kind == "f" and (unlabelled := np.isnan(ys)).any() and not unlabelled.all():
            # rows without a target (not yet labelled), left out as a CSV's are; an infinity is refused below
            xs, ys = xs[~unlabelled], ys[~unlabelled]
            missing_notes.append(f"{int(unlabelled.sum())} of {len(unlabelled)} rows of {key} left out: their {ykey} "
                                 f"is missing (NaN)")
        if len(xs) == 0:
            raise DataError(f"{path}: {key} has no rows")
        X.append(xs)
        y.append(ys)
    if len({x.shape[1:] for x in X}) > 1:
        raise DataError(f"{path}: the splits' inputs differ in shape ({', '.join(str(x.shape[1:]) for x in X)})")
    extra: dict[str, object] = {"layout": layout} if layout else {}
    if spec.task == "image":  # at most 32 pixels a side, as image files (nas.data.images.common_size)
        size, size_note = common_size([X[0].shape[2:]], spec.image_size)
        if size != X[0].shape[2:]:
            X, extra = [resized(x, size) for x in X], {"image_size": list(size)}
            missing_notes += [size_note] if size_note else []
    elif spec.image_size is not None:
        raise UsageError(f"--image-size: {path} holds {spec.task} inputs, not images")
    targets = np.concatenate(y)
    labels, kind, names = encode_target(path, "y", targets, stored_kind(targets, spec.kind), one_class=test_file)
    notes = []
    if sequence and spec.layout is None:
        steps, channels = X[0].shape[1:]
        axes, other = SEQUENCE_LAYOUT_NAMES[layout]
        notes.append(f"{parts[0]} of shape N x {given.shape[1]} x {given.shape[2]} read as {steps} steps of {channels} "
                     f"channel(s) ({axes}; --layout {other} reads it the other way)")
    elif spec.task == "image" and given.ndim == 3:
        notes.append(f"{parts[0]} of shape N x {given.shape[1]} x {given.shape[2]} read as one-channel images "
                     f"(--task sequence reads it as {given.shape[1]} steps of {given.shape[2]} features)")
    elif spec.task == "sequence" and given.ndim == 2:
        notes.append(f"{parts[0]} of shape N x {given.shape[1]} read as series of {given.shape[1]} steps, one channel "
                     f"(--task tabular reads each column as a feature)")
    notes += missing_notes
    splits, test_rows, source = None, None, f"{path}"
    if "X" not in parts:
        # The split as given. With X_val, the whole split; a train / test pair alone (a benchmark's
        # official split): the test rows stay as given, and a seeded quarter of X_train validates
        # (stratified for classes), as for the built-in UCR sets.
        counts = dict(zip(parts, (len(x) for x in X)))
        splits, test_rows = given_split(counts["X_train"], counts.get("X_val"), counts.get("X_test"))
    if "X_val" in parts:
        source += " (its own split)"
        if "X_test" not in parts:
            notes.append("no X_test: the test metrics are computed on the validation split (X_val)")
    elif "X_test" in parts:
        source += " (its own test split)"
        notes.append("X_test is the test split as given; no X_val: a quarter of X_train, drawn by --seed, validates")
    return Raw(np.concatenate(X), labels, kind, names, source, notes=tuple(notes),
               splits=splits, test_rows=test_rows, extra=extra)
