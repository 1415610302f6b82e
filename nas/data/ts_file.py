"""A .ts file (`--data GunPoint_TRAIN.ts`): the format the UCR/UEA classification and Monash
regression archives ship in (timeseriesclassification.com), read by aeon's reader
(`pip install 'nas[ucr]'`) -> Raw sequences (N, T, C) and their class labels or values. An ARFF
file of multivariate series (a relational attribute: the UEA archive's other format) is read
the same way, by aeon's ARFF reader.

Why: a user who downloads an archive set gets `<Name>_TRAIN.ts` and `<Name>_TEST.ts`;
`nas search --data X_TRAIN.ts --test-data X_TEST.ts` reads them as they ship, the test file's
series the test split. Series of unequal length (JapaneseVowels as aeon ships it) are padded to
the longest by repeating each one's last step, and missing steps (`?`, NaN) are filled by linear
interpolation (nas.data.gaps), each said in a `data:` line. Every problem is a
one-line DataError naming the file.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nas.data._raw import Raw
from nas.data.arff_file import is_arff
from nas.data.gaps import filled_series, to_length
from nas.data.layouts import sequence_layout
from nas.data.tables import encode_target, stored_kind
from nas.errors import DataError, UsageError, first_line

if TYPE_CHECKING:
    from nas.data import DataSpec

# What aeon's reader raises on a file that is not a valid .ts (a missing @data, a bad line).
TS_ERRORS = (OSError, ValueError, TypeError, IndexError, KeyError, UnicodeDecodeError)


def _format(path: Path) -> tuple[str, str]:
    """The file's format as messages name it, with its article: ('a', '.ts') or ('an', 'ARFF')."""
    return ("an", "ARFF") if is_arff(path) else ("a", ".ts")


def read_ts(path: Path, length: int | None = None) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
    """X as (N, T, C) float32, the labels or values as written (None when the file has none), notes.
    `length`: the steps a model was trained on (a test file, new series to predict): series of
    another length are padded or cut to it (`nas.data.gaps.to_length`)."""
    article, called = _format(path)
    try:
        from aeon.datasets import load_from_arff_file, load_from_ts_file
    except ImportError:
        raise DataError(f"{path}: reading {article} {called} file needs aeon, which is not installed: pip install 'nas[ucr]'") from None
    try:
        X, y = (load_from_arff_file if is_arff(path) else load_from_ts_file)(str(path))
    except TS_ERRORS as exc:
        raise DataError(f"{path}: unreadable {called} file ({first_line(exc)})") from None
    notes = []
    lengths = {np.shape(s)[-1] for s in X} | ({length} if length is not None else set())  # a list when unequal
    if len(lengths) > 1:
        X, note = to_length([np.asarray(s, np.float64) for s in X], length)
        notes.append(note)
    X = sequence_layout(np.asarray(X, np.float32), "channels")  # aeon's N x C x T
    if len(X) == 0:
        raise DataError(f"{path}: no series")
    X, filled = filled_series(path, X)  # '?' or NaN steps (the archive's DodgerLoop sets)
    if filled:
        notes.append(filled)
    labels = None if y is None or len(y) == 0 else np.asarray(y)
    return X, labels, notes


def load_ts(path: Path, spec: DataSpec, length: int | None = None) -> Raw:
    """Sequences and their targets (classes, or a regression's values: inferred, --kind overrides);
    `length` as read_ts's (given: a test file's, which may hold a single class)."""
    article, called = _format(path)
    if spec.task != "sequence":
        raise UsageError(f"--task: {path} is {article} {called} file of series; use --task sequence (or leave --task out)")
    X, labels, notes = read_ts(path, length)
    if labels is None:
        raise DataError(f"{path}: no class labels or target values (a file to predict: use nas predict)")
    y, kind, names = encode_target(path, "the target", labels, stored_kind(labels, spec.kind), one_class=length is not None)
    steps, channels = X.shape[1:]
    return Raw(X, y, kind, names, f"{path} ({called}, {len(X)} series of {steps} steps x {channels} channel(s))",
               notes=tuple(notes))
