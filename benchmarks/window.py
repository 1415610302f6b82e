"""The window `nas` finds for a series without `--window` (nas.data.window), on every real series
the installed packages ship, beside the window chosen by hand for the sweeps in docs/benchmarks.md.

Usage: python benchmarks/window.py   (run from the repository root; aeon and statsmodels optional)
Reads aeon's bundled forecasting CSVs as `nas search --data FILE` reads them (the value column
and the time found by nas.data.csv_file.series_column) and statsmodels' series by their value
column; prints the season found on the first differences, on the levels less a line, the window
and the note `nas search` prints. No search is run: this measures the rule, not the models.
"""
from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script from anywhere

from nas.data.csv_file import series_column  # noqa: E402
from nas.data.tables import as_numbers, filled_gaps, read_csv  # noqa: E402
from nas.data.window import FIT_SHARE, _peak, default_window  # noqa: E402

# name -> the window chosen by hand for the sweeps of docs/benchmarks.md (None: never run with one)
BY_HAND = {"Airline": 12, "Lynx": 12, "ShampooSales": 6, "solar": 48, "PBS_dataset": 12, "sunspots": 12,
           "nile": 10, "co2": 24, "elnino": None, "macrodata": 8, "danish_data": 4}


def _aeon() -> Iterator[tuple[str, np.ndarray]]:
    try:
        import aeon
    except ImportError:
        print("aeon is not installed: its series are left out (pip install 'nas[ucr]')")
        return
    for path in sorted((Path(aeon.__file__).parent / "datasets" / "data").glob("*/*.csv")):
        columns = read_csv(path)
        value = series_column(columns)
        if value is not None:  # the files nas reads as one series (not the anomaly or segmentation sets' labels)
            yield path.stem, filled_gaps(path, value, as_numbers(columns[value]))[0]


def _statsmodels() -> Iterator[tuple[str, np.ndarray]]:
    try:
        import statsmodels.api as sm
    except ImportError:
        print("statsmodels is not installed: its series are left out (pip install 'nas[series]')")
        return
    columns: dict[str, Callable[[], np.ndarray]] = {
        "sunspots": lambda: sm.datasets.sunspots.load_pandas().data["SUNACTIVITY"].to_numpy(),
        "nile": lambda: sm.datasets.nile.load_pandas().data["volume"].to_numpy(),
        "co2": lambda: sm.datasets.co2.load_pandas().data["co2"].to_numpy(),
        "macrodata": lambda: sm.datasets.macrodata.load_pandas().data["realgdp"].to_numpy(),
        "danish_data": lambda: sm.datasets.danish_data.load_pandas().data["lrm"].to_numpy(),
        "elnino": lambda: sm.datasets.elnino.load_pandas().data.iloc[:, 1:].to_numpy().ravel(),  # months in a row
    }
    for name, load in columns.items():
        yield name, filled_gaps(Path(name), name, load().astype(np.float64))[0]


def main() -> None:
    print(f"{'series':<22} {'steps':>6} {'differences':>11} {'levels-line':>11} {'window':>6} {'by hand':>7}  note")
    for name, values in [*_aeon(), *_statsmodels()]:
        seen = values[: int(len(values) * FIT_SHARE)]
        steps = np.arange(len(seen))
        line = np.polyval(np.polyfit(steps, seen, 1), steps)
        window, note = default_window(values)
        hand = BY_HAND.get(name)
        print(f"{name:<22} {len(values):>6} {str(_peak(np.diff(seen))):>11} {str(_peak(seen - line)):>11} "
              f"{window:>6} {'-' if hand is None else hand:>7}  {note}")


if __name__ == "__main__":
    main()
