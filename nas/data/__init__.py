"""Datasets -> TaskData: built-ins (shipped by scikit-learn, statsmodels, aeon, mnist1d) and the user's files.

`DataSpec` is the plain-JSON description of where the data comes from (stored with every
study, so retrain and rerun reload exactly the same split); `load_data(spec)` builds TaskData.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nas.data._split import HOLDOUT_FRACTION, holdout_indices, ordered_holdout, ordered_split, split_indices
from nas.data._task import (KINDS, Split, TaskData, apply_standardize, fill_missing, fit_fill, fit_standardize,
                            to_target_units)
from nas.data.builtin import BUILTINS, DEFAULT_DATASET, EXTRAS, Raw, Series
from nas.data.files import infer_task, load_file, search_task, split_files, test_beside
from nas.data.layouts import SEQUENCE_LAYOUTS
from nas.data.forecast import forecast_wiring
from nas.data.given_test import with_test_file
from nas.data.folds import check_folds, fold_scheme, make_folds, max_folds, train_plus_val
from nas.data.compression import data_name
from nas.data.categories import fit_categories, one_hot
from nas.data.codes import code_indicators, codes_said, fit_codes
from nas.data.tables import forget_parsed
from nas.data.tasks import TASKS, Task
from nas.data.window import default_window, windows
from nas.errors import DataError, UsageError, nearest
from nas.limits import check, check_values


__all__ = ["DataSpec", "BUILTINS", "DEFAULT_DATASET", "EXTRAS", "KINDS", "TASKS", "Raw", "Series", "Split", "Task", "TaskData",
           "apply_standardize", "check_folds", "fit_standardize", "fold_scheme", "to_target_units", "infer_task",
           "load_data", "make_folds", "max_folds", "prepare", "series_raw", "train_plus_val"]


def _targets(y: np.ndarray, kind: str) -> torch.Tensor:
    return torch.as_tensor(y, dtype=torch.long if kind == "classification" else torch.float32)


def _with_indicators(X: np.ndarray, prep: dict[str, Any], hot: np.ndarray) -> np.ndarray:
    """X with 0/1 indicator columns appended, left as they are: identity statistics in `prep`, so
    apply_standardize replays the whole row."""
    prep.update(mean=prep["mean"] + [0.0] * hot.shape[1], std=prep["std"] + [1.0] * hot.shape[1])
    return np.concatenate([X, hot], axis=1)


def _features(raw: Raw, train: np.ndarray, task: str, codes: bool = True) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit preprocessing on the training rows: fill a table's missing cells with the column's
    training median, standardise numbers, one-hot text columns and (`codes`) the integer columns
    that act as codes (nas.data.codes)."""
    prep: dict[str, Any] = {"scale": raw.scale}
    if raw.X.ndim == 2 and np.isnan(raw.X).any():
        prep["fill"] = fit_fill(raw.X[train])
    filled = fill_missing(raw.X[train].astype(np.float32), prep)
    prep.update(fit_standardize(filled * raw.scale, task))
    X = apply_standardize(raw.X, prep, task)
    if raw.categorical:
        prep["categories"] = fit_categories(raw.categorical, train)
        X = _with_indicators(X, prep, one_hot(raw.categorical, prep["categories"], len(raw.X)))
    if raw.columns is not None:
        prep["columns"] = list(raw.columns)
        if codes and task == "tabular" and "window" not in raw.extra:
            if found := fit_codes(raw.X[train], raw.y[train], prep["columns"], raw.kind == "classification"):
                prep["codes"] = found
                X = _with_indicators(X, prep, code_indicators(raw.X, prep["columns"], found))
    return X, {**prep, **raw.extra}


def _split_rows(raw: Raw, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The given split, or a given test split plus a seeded hold-out, or a seeded 60/20/20 split."""
    classification = raw.kind == "classification"
    if raw.splits is not None:
        return raw.splits
    if raw.test_rows is not None:
        return holdout_indices(raw.y, raw.test_rows, raw.holdout, classification, seed, raw.source)
    return split_indices(raw.y, classification, seed, raw.source)


def _check_finite(source: str, X: np.ndarray, y: np.ndarray, prep: dict[str, Any]) -> None:
    """DataError when standardising gave NaN or infinity: float32 statistics overflow for values
    near 3e38 (found by fuzzing, issue 14); such data would train on NaN."""
    stats = [*prep.get("mean", []), *prep.get("std", []), prep.get("target_mean", 0.0), prep.get("target_std", 1.0)]
    if not (np.isfinite(X).all() and np.isfinite(y).all() and np.isfinite(stats).all()):
        raise DataError(f"{source}: values too large to standardise (overflow to infinity); rescale them")


def prepare(raw: Raw, name: str, task: str, seed: int, codes: bool = True) -> TaskData:
    """Split raw arrays (or take the given split), fit preprocessing on the training split only,
    and build tensors. `codes`: integer columns may be read as codes (nas.data.codes; False in a
    study stored before 2026-12-06's second reading)."""
    if len(raw.X) != len(raw.y):
        raise DataError(f"{raw.source}: X has {len(raw.X)} rows but y has {len(raw.y)}")
    classification = raw.kind == "classification"
    tr, va, te = _split_rows(raw, seed)
    notes = raw.notes
    if classification and raw.splits is None and raw.test_rows is None:  # a test split drawn here (split_indices)
        classes = len(np.unique(raw.y))
        if absent := classes - len(np.unique(raw.y[te])):
            notes = (*notes, f"{absent} of the {classes} classes have no test row (more classes than the {len(te)} "
                             f"test rows: the split drawn class by class, each class keeping rows to train on)")
    X, prep = _features(raw, tr, task, codes)
    if said := codes_said(prep.get("codes", {})):
        notes = (*notes, said)
    y = raw.y.astype(np.int64 if classification else np.float32)
    if not classification:
        mean, std = float(y[tr].mean()), float(y[tr].std() or 1.0)
        prep.update(target_mean=mean, target_std=std)
        y = (y - mean) / std
        wiring = forecast_wiring(X, y, prep, np.concatenate([tr, va]))
        if wiring is not None:
            prep["forecast"] = wiring
    _check_finite(raw.source, X, y, prep)
    split = lambda i: Split(torch.from_numpy(np.ascontiguousarray(X[i])), _targets(y[i], raw.kind))  # noqa: E731
    out_dim = len(raw.class_names) if classification else 1
    return TaskData(name=name, task=task, kind=raw.kind, input_shape=tuple(X.shape[1:]), out_dim=out_dim,
                    train=split(tr), val=split(va), test=split(te), class_names=raw.class_names,
                    preprocessing=prep, source=raw.source, notes=notes)


def series_raw(series: Series, window: int, given: bool = True) -> Raw:
    """Windows of `window` steps (all columns) -> the target one step later, split in time order.
    `given`: the window is the user's --window (named in an error), not one found (nas.data.window)."""
    check("--window", window)
    if window >= len(series.values):
        asked = f"--window {window}" if given else "one window and the step after it"
        raise DataError(f"{series.source}: {len(series.values)} row(s) are too few for {asked}")
    target = series.values[:, series.columns.index(series.target)]
    X, y = windows(series.values, target, window)
    steps = np.arange(window, len(series.values))  # the step each window forecasts
    notes = series.notes
    if series.gaps is not None:  # a filled target step is an input, never an answer to train or test on
        known = ~series.gaps[steps]
        X, y, steps = X[known], y[known], steps[known]
        notes = (*notes, f"{int((~known).sum())} window(s) whose next '{series.target}' was missing left out")
    if series.test_from is None:
        splits = ordered_split(len(X), series.source)
    else:  # the windows whose next value lies in the test file; before them, the last quarter validates
        first_test = int(np.searchsorted(steps, series.test_from))
        splits = ordered_holdout(len(X), first_test, HOLDOUT_FRACTION, series.source)
    extra = {"window": window, "target": series.target, **({"grid": series.grid} if series.grid else {}),
             **({"time": series.time} if series.time else {})}
    return Raw(X, y, "regression", [], f"{series.source}, window {window}", columns=series.columns,
               splits=splits, extra=extra, notes=notes)


DATE_READING = ("dates", "day_month_dates", "named_dates", "quarter_dates")  # DataSpec's flags, as date_notations takes them
READINGS = (*DATE_READING, "index_dates", "one_time_line", "skipped_steps", "many_categories", "integer_codes")  # False in a spec stored before each (DataSpec.from_dict)


@dataclass(frozen=True)
class DataSpec:
    """Where a study's data comes from: a built-in `dataset`, or a user file `path` (--data)."""

    task: str | None = "image"  # None: inferred from the file or the built-in (`resolved`)
    dataset: str | None = None
    path: str | None = None
    target: str | None = None
    window: int | None = None
    image_size: int | None = None
    seed: int = 0
    kind: str | None = None  # classification | regression; inferred from the target when None
    layout: str | None = None  # an NPZ sequence's axes: steps (N x T x F) | channels (N x C x T); None: by shape
    test_path: str | None = None  # --test-data: a file like `path` whose rows are the test split (nas.data.given_test)
    dates: bool = True  # a table's ISO date columns are features (nas.data.dates); False: ids, as before 2026-12-04
    day_month_dates: bool = True  # and its 6/30/2001, 30.06.2001 ones; False: text, as before 2026-12-05
    named_dates: bool = True  # and its 30 Jun 2001, June 30, 2001, 2001 Jan, 6/30/01 ones; False: text, as before
    quarter_dates: bool = True  # and its 1970 Q1, 1970Q1, Q1 1970 ones; False: text, as before
    index_dates: bool = True  # a nameless first column of dates is the time 'index'; False: ignored, as before
    one_time_line: bool = True  # a time that rises down a whole 3-column file is not long format's; False: as before
    skipped_steps: bool = True  # a numeric time that skips steps is the time, its skips inserted; False: as before 2026-12-06
    many_categories: bool = True  # a text column of >100 values that repeat is a category; False: ignored, as before 2026-12-06
    integer_codes: bool = True  # an integer column that acts as a code also gets indicators (nas.data.codes); False: as before

    def __post_init__(self) -> None:
        # Every reader strips a header's names; so the name that picks one: pandas shows
        # birthweight.csv's `bwght, fatheduc, ...` as ' fatheduc', and that is what a user copies.
        if self.target is not None and self.target != self.target.strip():
            object.__setattr__(self, "target", self.target.strip())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def resolved(self) -> DataSpec:
        """The spec with its task filled in: given, else the file's or the built-in's, else image."""
        return replace(self, task=search_task(self.task, self.path, self.dataset, self.window, self.target))

    def absolute(self) -> DataSpec:
        """The spec with its file path made absolute (a study stores it so; errors show it as typed)."""
        test = str(Path(self.test_path).resolve()) if self.test_path else None
        return replace(self, path=str(Path(self.path).resolve()), test_path=test) if self.path else self

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> DataSpec:
        """The spec a study stored. One stored before `dates` existed read its date columns as ids
        (left out), one stored before `day_month_dates` (`named_dates`, `quarter_dates`) those dates as text,
        one before `index_dates` dropped a nameless first column of dates, one before `one_time_line`
        read a regime column as long format's series id, one before `skipped_steps` read a time that
        skips steps in row order, one before `many_categories` left out a text column of more than
        100 values that repeat, one before `integer_codes` read every integer column as a number
        only, and each is reloaded so: its trials' networks
        take the features it had (and its export, resume and retrain the data they had)."""
        known = {f.name for f in fields(cls)}
        return cls(**{**dict.fromkeys(READINGS, False), **{k: v for k, v in raw.items() if k in known}})

    def date_reading(self) -> dict[str, bool]:
        """Which notations of dates this spec reads as features (nas.data.dates.date_notations)."""
        return {key: getattr(self, key) for key in DATE_READING}

    def readings(self) -> dict[str, bool]:
        """Every reading a study stored before it keeps (READINGS): the dates' and the file layouts'."""
        return {key: getattr(self, key) for key in READINGS}


def _builtin(spec: DataSpec) -> tuple[str, Raw | Series, int | None]:
    """A built-in by name (the task's default if none): its name, raw data and default window."""
    name = spec.dataset or DEFAULT_DATASET[spec.task]
    if name not in BUILTINS:
        raise UsageError(f"--dataset: unknown dataset '{name}'{nearest(name, BUILTINS)}")
    entry = BUILTINS[name]
    if entry.task != spec.task:
        raise UsageError(f"--dataset: '{name}' is {'an' if entry.task[0] in 'aeiou' else 'a'} {entry.task} dataset, "
                         f"not {spec.task} (use --task {entry.task})")
    for flag in ("target", "image_size", "kind", "layout", "test_path") + (() if entry.window else ("window",)):
        if getattr(spec, flag) is not None:
            option = "--test-data" if flag == "test_path" else f"--{flag.replace('_', '-')}"
            raise UsageError(f"{option}: applies to --data files, not the built-in dataset '{name}'")
    return name, entry.load(), entry.window


def load_data(spec: DataSpec) -> TaskData:
    """Load the data a spec describes (the task's default built-in when nothing is named). A spec
    without a task takes the one its data implies, as `nas search` does (nas.data.files.search_task)."""
    if spec.task is None:
        spec = replace(spec, task=search_task(None, spec.path, spec.dataset, spec.window, spec.target))
    task = spec.task
    if task not in TASKS:
        raise UsageError(f"--task: unknown task '{task}'{nearest(task, TASKS)}")
    if spec.kind is not None and spec.kind not in KINDS:
        raise UsageError(f"--kind: unknown kind '{spec.kind}'{nearest(spec.kind, KINDS)}")
    if spec.layout is not None and spec.layout not in SEQUENCE_LAYOUTS:
        raise UsageError(f"--layout: unknown layout '{spec.layout}'{nearest(spec.layout, SEQUENCE_LAYOUTS)}")
    if spec.layout is not None and task != "sequence":
        raise UsageError(f"--layout: applies to sequences (an .npz with --task sequence), not a {task} task")
    check_values({"--window": spec.window, "--image-size": spec.image_size, "--seed": spec.seed})
    if spec.path is not None:
        if spec.dataset is not None:
            raise UsageError("--data and --dataset: pass one of them, not both")
        path = Path(spec.path).resolve()
        files = split_files(path)
        if files is not None:  # a folder of one file a split (the Hub's download): read as --data and --test-data
            if spec.test_path is not None:
                raise UsageError(f"--test-data: {spec.path} holds its own split already (its {files.train.name})")
            spec = replace(spec, path=str(files.train), test_path=str(files.test) if files.test else None)
        name, raw, window = data_name(path) if path.is_file() else path.name, load_file(spec), None
        if spec.test_path is not None:
            raw = with_test_file(raw, spec)
        if files is not None:
            raw = replace(raw, notes=(*files.notes, *raw.notes))
        elif spec.test_path is None and (beside := test_beside(path)) is not None:
            raw = replace(raw, notes=(*raw.notes, f"{beside.name} beside {path.name} is not read: pass it with --test-data "
                                                  f"(or pass the folder) to test on it"))
        forget_parsed()  # the rows are in `raw` now: a large CSV's text is not kept through the search
    else:
        name, raw, window = _builtin(spec)
    if isinstance(raw, Series):
        steps = spec.window or window
        if steps is None:  # a file of one series, no --window: one season (nas.data.window)
            steps, note = default_window(raw.values[:, raw.columns.index(raw.target)], raw.test_from)
            raw = replace(raw, notes=(*raw.notes, note))
        raw = series_raw(raw, steps, given=spec.window is not None)
    return prepare(raw, name, task, spec.seed, spec.integer_codes)
