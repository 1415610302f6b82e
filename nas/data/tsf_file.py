"""A Monash forecasting file (`--data m1_yearly_dataset.tsf`): many series, each forecast one step
ahead by one model of them all -> Raw windows (N, W, 1).

The format (forecastingdata.org; aeon ships M1's yearly series in it): `#` comments, a header of
`@relation`, `@attribute NAME TYPE` (each series' name, start time, ...), `@frequency`,
`@horizon H`, `@missing`, `@equallength`, then after `@data` one series per line: its attribute
values and its steps, `:`-separated, the steps `,`-separated, `?` a missing step.

How it is learned (a global model, as the Monash benchmarks' pooled regressions and DeepAR /
Chronos do): every window of W steps of every series is one input, the step after it the target.
The last H steps of each series (`@horizon`, 1 when the file has none) are the test split, the H
before them validate, the rest train, so the test is each series' own future. Series differ in
scale by orders of magnitude (M1: hundreds to millions), so each is divided by its mean absolute
value over its training steps, and a window is its steps minus its last one, forecasting the
change from it: a network then sees a series' shape, not its level, and a trending series'
future, above every level it trained on, is no harder than its past (the same reason as
nas.data.forecast's changes, built into the rows here). Errors are in those scaled units, the
same for the baseline: the error of a change is the error of the level it implies. `nas predict`
reads a .tsf file the same way and answers in the series' own units (last value + change x scale).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nas.data._raw import Raw
from nas.data.gaps import filled_gaps
from nas.errors import DataError, UsageError

if TYPE_CHECKING:
    from nas.data import DataSpec

# @frequency -> the season in steps, the shortest window that sees one whole (1: none)
SEASONS = {"yearly": 1, "quarterly": 4, "monthly": 12, "weekly": 1, "daily": 7, "hourly": 24, "half_hourly": 48,
           "10_minutes": 144, "4_seconds": 1, "minutely": 60}
MIN_WINDOW = 4  # steps: the shortest default window


@dataclass(frozen=True)
class TsfFile:
    """What a .tsf file holds: each series' name and steps (missing ones filled), and its header."""

    names: list[str]
    series: list[np.ndarray]  # float64, one array of steps per series
    horizon: int | None
    frequency: str | None
    filled: int  # missing steps filled by interpolation
    empty: tuple[str, ...] = ()  # series with no value at all, left out (a long CSV's; a .tsf file refuses them)
    times: list[np.ndarray] | None = None  # each series' time column, as written (a long CSV's): names forecasts


def _header_int(path: Path, line_no: int, key: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise DataError(f"{path}: line {line_no}: @{key} must be a whole number of steps, at least 1 (got '{value}')")
    return number


def _steps(path: Path, line_no: int, text: str) -> np.ndarray:
    values = []
    for cell in (c.strip() for c in text.split(",")):
        try:
            values.append(math.nan if cell == "?" else float(cell))
        except ValueError:
            raise DataError(f"{path}: line {line_no}: step '{cell}' is not a number (nor '?', a missing step)") from None
    if math.inf in map(abs, values):
        raise DataError(f"{path}: line {line_no}: a step is infinite")
    return np.array(values, dtype=np.float64)


def read_tsf(path: Path) -> TsfFile:
    """The series of a .tsf file; DataError naming the file and line for anything malformed."""
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError as exc:
        raise DataError(f"{path}: unreadable .tsf file ({exc})") from None
    attributes: list[str] = []
    horizon, frequency, data_at = None, None, None
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.lower() == "@data":
            data_at = i
            break
        key, _, value = line.partition(" ")
        key = key.lower()
        if key == "@attribute":
            attributes.append(value.split()[0] if value.split() else "")
        elif key == "@horizon":
            horizon = _header_int(path, i, "horizon", value.strip())
        elif key == "@frequency":
            frequency = value.strip().lower()
        elif not key.startswith("@"):
            raise DataError(f"{path}: line {i}: expected a header line (@relation, @attribute, ...) before @data")
    if data_at is None:
        raise DataError(f"{path}: no @data line (not a .tsf forecasting file)")
    names, series, filled = [], [], 0
    for i, raw in enumerate(lines[data_at:], start=data_at + 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":", len(attributes))
        if len(parts) != len(attributes) + 1:
            raise DataError(f"{path}: line {i}: expected {len(attributes)} attribute value(s) and the steps, "
                            f"':'-separated")
        steps = _steps(path, i, parts[-1])
        if np.isnan(steps).all():
            raise DataError(f"{path}: line {i}: the series has no values (every step is missing)")
        names.append(parts[attributes.index("series_name")] if "series_name" in attributes else f"series {len(names) + 1}")
        steps, gaps = filled_gaps(path, names[-1], steps)
        series.append(steps)
        filled += gaps
    if not series:
        raise DataError(f"{path}: no series after @data")
    return TsfFile(names, series, horizon, frequency, filled)


def default_window(tsf: TsfFile) -> int:
    """Steps per input: at least the horizon, a whole season and MIN_WINDOW."""
    return max(tsf.horizon or 1, SEASONS.get(tsf.frequency or "", 1), MIN_WINDOW)


def series_windows(values: np.ndarray, window: int, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every window of one series as model rows: its steps minus its last, over `scale` (W, 1);
    the change to the next step over `scale`; and the last step of each window (the change is
    added to it). The last row's next step lies past the series' end: its change is NaN."""
    X = (np.lib.stride_tricks.sliding_window_view(values, window) if len(values) >= window
         else np.zeros((0, window)))
    last = X[:, -1].copy()
    nxt = np.append(values[window:], np.nan)[: len(X)]
    return ((X - last[:, None]) / scale)[:, :, None], (nxt - last) / scale, last


def series_scale(values: np.ndarray) -> float:
    """A series' unit: its mean absolute value (1 for a series of zeros)."""
    scale = float(np.mean(np.abs(values)))
    return scale if scale > 0 else 1.0


def load_tsf(path: Path, spec: DataSpec) -> Raw:
    """`--data X.tsf`: `tsf_raw` with `--window`, for the sequence task only."""
    if spec.task != "sequence":
        raise UsageError(f"--task: {path} is a .tsf file of series to forecast; use --task sequence")
    return tsf_raw(path, spec.window)


def tsf_raw(path: Path, window: int | None = None) -> Raw:
    """Windows of every series of a .tsf file (`series_raw`): its `@horizon` (1 when it has none)
    tests, `window` steps per input (None: `default_window`)."""
    tsf = read_tsf(path)
    cut = Cut(tsf.horizon or 1, "(@horizon)", window or default_window(tsf),
              "--window" if window else "the horizon, a season, at least 4")
    return series_raw(tsf, path, ".tsf", cut)


@dataclass(frozen=True)
class Cut:
    """How many series are cut into rows: the steps each series tests (and validates), the
    window, and why each (said in the notes)."""

    horizon: int
    horizon_why: str
    window: int
    window_why: str


def series_raw(tsf: TsfFile, path: Path, kind: str, cut: Cut, extra: dict[str, Any] | None = None) -> Raw:
    """Windows of every series, their changes over each series' scale, split by time within each
    series: the last `cut.horizon` steps test, the `cut.horizon` before validate, the rest train.
    A series too short to train on still validates and tests the model of the others. `kind`
    names the file's type in the source ('.tsf', 'long CSV'); `extra`: more to store in the
    preprocessing (how `nas predict` reads such a file again)."""
    horizon, window = cut.horizon, cut.window
    rows_X, rows_y, roles, short = [], [], [], 0
    for values in tsf.series:
        if len(values) <= window:
            short += 1  # not one window with a step after it
            continue
        scale = series_scale(values[: max(1, len(values) - 2 * horizon)])
        X, y, _ = series_windows(values, window, scale)
        X, y = X[:-1], y[:-1]  # the last window forecasts past the end: nothing to score it on
        target_step = np.arange(window, len(values))
        rows_X.append(X)
        rows_y.append(y)
        roles.append(np.select([target_step >= len(values) - horizon, target_step >= len(values) - 2 * horizon], [2, 1], 0))
    X, y, role = (np.concatenate(rows) if rows else np.zeros(0) for rows in (rows_X, rows_y, roles))
    if not (role == 0).any():
        longest = max(len(s) for s in tsf.series)
        hint = ("--window W sets a shorter window" if longest > 2 * horizon + 1
                else f"the longest series has {longest} steps, too few for any window")
        raise DataError(f"{path}: no series is longer than {window + 2 * horizon} steps (a window of {window}, then "
                        f"{horizon} to validate and {horizon} to test): nothing to train on; {hint}")
    lengths = [len(s) for s in tsf.series]
    notes = [f"{len(tsf.series)} series of {min(lengths)} to {max(lengths)} {tsf.frequency + ' ' if tsf.frequency else ''}steps, forecast one "
             f"step ahead by one model from their last {window} steps ({cut.window_why}); "
             f"the last {horizon} steps of each series {cut.horizon_why} are the test split, the {horizon} before them validate",
             "each series divided by its mean absolute value over its training steps, each window read as changes from "
             "its last step: errors are in those units (a change's error is its level's), for nas and the baseline alike"]
    if short:
        notes.append(f"{short} series of {window} steps or fewer left out (no window with a step after it)")
    if tsf.filled:
        notes.append(f"{tsf.filled} missing step(s) filled by linear interpolation along their series")
    splits = tuple(np.flatnonzero(role == r) for r in (0, 1, 2))
    return Raw(X.astype(np.float32), y.astype(np.float32), "regression", [], f"{path} ({kind}, {len(tsf.series)} series)",
               splits=splits, extra={"tsf_window": window, **(extra or {})}, notes=tuple(notes))
