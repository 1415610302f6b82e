"""A test split from its own file (`--test-data`): how benchmarks ship their data (the UCR
archive's TRAIN and TEST files, a course's train.csv and test.csv with labels).

The test file is read exactly as `--data` is (same target, kind, layout, image size and
channels) and its rows are the test split, scored as given; a quarter of `--data`'s rows, drawn
by `--seed` (stratified for classes), validates, as for an NPZ's X_train / X_test pair, and the
cross-validation folds cover all of them. The two files must agree: the same columns, the same
input shape, and no test class that training never saw.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nas.data._raw import Raw, Series
from nas.data.csv_file import followed, load_csv, read_series
from nas.data.arrow_images import load_arrow_images
from nas.data.gaps import to_length
from nas.data.files import IMAGE_KINDS, check_path, file_kind, load_file
from nas.data.image_folder import load_image_folder
from nas.data.npz_file import load_npz
from nas.data.tables import read_csv
from nas.data.ts_file import load_ts
from nas.errors import DataError, UsageError

if TYPE_CHECKING:
    from nas.data import DataSpec


ROWS_CALLED = {"folder": "images", "images": "images", ".ts": "series"}  # what a test file's rows are, said in the data: line


def _test_path(spec: DataSpec) -> Path:
    """--test-data's path; DataError when missing or empty, UsageError when not --data's kind of file."""
    path = Path(str(spec.test_path))
    check_path(path)
    if file_kind(path) != file_kind(Path(str(spec.path))):
        raise UsageError(f"--test-data: {path} is not the same kind of file as --data {spec.path}")
    return path


def _read_test(train: Raw, spec: DataSpec) -> Raw | Series:
    """The test file, read with the settings `--data` was read with."""
    path = _test_path(spec)
    kind = file_kind(path)
    if kind in IMAGE_KINDS:  # at the training images' size and channels
        size = train.extra["image_size"]
        read_as = ((int(size[0]), int(size[1])), int(train.X.shape[1]))
        if kind == "images":
            return load_arrow_images(path, replace(spec, target=train.extra.get("target"), kind=train.kind), read_as)
        return load_image_folder(path, None, read_as=read_as)
    like = replace(spec, path=str(path), test_path=None, kind=train.kind, target=train.extra.get("target", spec.target),
                   layout=train.extra.get("layout", spec.layout))
    if kind == ".ts":  # series of another length are brought to the training length
        return load_ts(path, like, length=int(train.X.shape[1]))
    if kind == ".npz":
        return load_npz(path, like, test_file=True)
    if kind != ".csv":
        return load_file(like)
    if like.target is not None and like.target not in read_csv(path, head=1):
        raise DataError(f"{path}: no column '{like.target}' to score the test rows against (a test file holds the "
                        f"answers; to predict rows without them, use nas predict)")
    table = followed(train, Path(str(spec.path))) if train.columns is not None else None
    return load_csv(path, like, every_class=True, follow=table)  # a class seen once or twice stays: test rows are never split


def _class_indices(train: Raw, test: Raw, path: Path) -> np.ndarray:
    """The test labels as indices into the training classes; DataError for a class training lacks."""
    index = {name: i for i, name in enumerate(train.class_names)}
    names = np.array(test.class_names, dtype=object)[test.y]
    unseen = sorted({str(n) for n in names if n not in index})
    if unseen:
        count = sum(1 for n in names if n == unseen[0])
        more = f" (and {len(unseen) - 1} more class(es))" if len(unseen) > 1 else ""
        raise DataError(f"{path}: class '{unseen[0]}' ({count} test row(s)){more} never appears in the training data")
    return np.array([index[n] for n in names], dtype=np.int64)


def _steps(columns: list[str] | None) -> bool:
    """Whether columns are the steps of one series per row named by position (a file without a
    header row, label first: the UCR archive's .tsv): '1', '2', ... in order."""
    return bool(columns) and all(c.isdigit() for c in columns) and \
        [int(c) for c in columns] == list(range(int(columns[0]), int(columns[0]) + len(columns)))


def _series_to_length(train: Raw, test: Raw) -> tuple[Raw, str | None]:
    """A test file of series by position, as long as its longest series, brought to the training
    series' length as a .ts file's are (nas.data.ts_file): padded with zeros after their last step,
    or cut to their first steps. The UCR archive's varying-length sets ship so: PLAID's TRAIN.tsv
    holds 1,344 steps a row (NaN after a shorter series' end), its TEST.tsv 1,000."""
    if train.X.ndim != 3 or test.X.ndim != 3 or not (_steps(train.columns) and _steps(test.columns)):
        return test, None
    if test.X.shape[1] == train.X.shape[1]:
        return test, None
    X, note = to_length(list(test.X.transpose(0, 2, 1)), train.X.shape[1])
    return replace(test, X=X.transpose(0, 2, 1), columns=train.columns), note


def _aligned(train: Raw, test: Raw, path: Path) -> Raw:
    """`test` with its table columns in the training file's order; DataError naming a column that
    one file has and the other lacks, or that is numbers in one and text in the other."""
    ours, theirs = [*(train.columns or []), *train.categorical], [*(test.columns or []), *test.categorical]
    missing, extra = [c for c in ours if c not in theirs], [c for c in theirs if c not in ours]
    if missing or extra:
        raise DataError(f"{path}: no column '{missing[0]}', which --data has" if missing
                        else f"{path}: column '{extra[0]}' is not in --data (the test file needs the training file's columns)")
    if set(test.categorical) != set(train.categorical):
        name = next(iter(set(test.categorical) ^ set(train.categorical)))
        raise DataError(f"{path}: column '{name}' is numbers in one file and text in the other")
    if test.columns == train.columns:
        return test
    order = [list(test.columns or []).index(c) for c in train.columns or []]
    return replace(test, X=test.X[:, order], columns=train.columns)


def _continued(train: Series, spec: DataSpec) -> Series:
    """A series to forecast whose test period is the next file (`--test-data`: the steps after
    --data's last): the two joined in time, the windows whose next value lies in the test file
    the test split (their inputs may reach back into the training steps, as a forecast made at the
    end of the training period would), the last quarter of the windows before it validating."""
    path = _test_path(spec)
    test = read_series(path, replace(spec, path=str(path), test_path=None, target=train.target), like=train.columns,
                       grid=train.grid)
    gaps = [g if g is not None else np.zeros(len(s.values), bool) for g, s in ((train.gaps, train), (test.gaps, test))]
    notes = [*train.notes, *(f"--test-data: {note}" for note in test.notes if note not in train.notes),
             f"the {len(test.values)} steps of {path.name} follow --data's {len(train.values)}: the windows that "
             f"forecast them are the test split; the last quarter of the windows before them validates"]
    return replace(train, values=np.concatenate([train.values, test.values]), notes=tuple(notes),
                   gaps=np.concatenate(gaps) if train.gaps is not None or test.gaps is not None else None,
                   source=f"{train.source}; test steps from {path}", test_from=len(train.values))


def with_test_file(train: Raw | Series, spec: DataSpec) -> Raw | Series:
    """`train` (from --data) with the rows of --test-data appended as its given test split (a
    series: the steps that follow it, `_continued`)."""
    path = Path(str(spec.test_path))
    if isinstance(train, Series):
        return _continued(train, spec)
    if train.splits is not None or train.test_rows is not None:
        own = ("each series' last @horizon steps test" if file_kind(Path(str(spec.path))) == ".tsf"
               else "each series' last fifth tests" if "long_columns" in train.extra
               else "its train / test folders" if file_kind(Path(str(spec.path))) == "folder"
               else "X_val or X_test; pass X and y only")
        raise UsageError(f"--test-data: {spec.path} holds its own split already ({own})")
    test = _read_test(train, spec)
    if not isinstance(test, Raw) or test.splits is not None or test.test_rows is not None:
        raise UsageError(f"--test-data: {path} holds a split of its own; pass one set of rows (X and y)")
    test, resized = _series_to_length(train, test)
    test = _aligned(train, test, path)
    if test.X.shape[1:] != train.X.shape[1:]:
        raise DataError(f"{path}: inputs of shape {test.X.shape[1:]}, but --data's are {train.X.shape[1:]}")
    y = _class_indices(train, test, path) if train.kind == "classification" else test.y.astype(train.y.dtype)
    n = len(train.X)
    notes = [*train.notes, *(f"--test-data: {note}" for note in (*test.notes, resized) if note and note not in train.notes),
             f"the {len(test.X)} {ROWS_CALLED.get(file_kind(path), 'rows')} of {path.name} are the test "
             f"split as given; a quarter of --data's, drawn by --seed, validates"]
    return replace(train, X=np.concatenate([train.X, test.X.astype(train.X.dtype)]), y=np.concatenate([train.y, y]),
                   categorical={k: np.concatenate([v, test.categorical[k]]) for k, v in train.categorical.items()},
                   test_rows=np.arange(n, n + len(test.X)), source=f"{train.source}; test rows from {path}",
                   notes=tuple(notes))
