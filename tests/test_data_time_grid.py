"""A numeric time that skips steps (nas.data.time_grid): a series file that lacks a few of its
rows (Stat2Data's CO2: `Day` rising by 1 with 7 days absent) is a series with those steps
missing, with no flag: the skips inserted and filled as empty cells are, never a target; in
training, in a test file that continues it and in `nas predict` alike. Real series: statsmodels'
yearly sunspots (1700-2008) with years cut out; the expected values come from the whole file."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, infer_task, load_data
from nas.data.time_grid import skipped_step
from tests.test_data_files import spec, write_csv

CUT = (40, 41, 150)  # rows (years 1740, 1741, 1850) the file leaves out


def _sunspots() -> list[list[object]]:
    pytest.importorskip("statsmodels", reason="statsmodels (its sunspots series) is not installed")
    import statsmodels.api as sm

    frame = sm.datasets.sunspots.load_pandas().data
    return [[int(year), value] for year, value in zip(frame["YEAR"], frame["SUNACTIVITY"])]


def _files(folder: Path) -> tuple[Path, Path, list[list[object]]]:
    rows = _sunspots()
    whole = write_csv(folder / "whole.csv", ["YEAR", "SUNACTIVITY"], rows)
    holed = write_csv(folder / "holed.csv", ["YEAR", "SUNACTIVITY"], [r for i, r in enumerate(rows) if i not in CUT])
    return whole, holed, rows


def test_which_times_skip_steps() -> None:
    """A grid with a few holes has a step; a time without a hole, irregular times, a time with
    most of its grid absent (a sample, not a series) and a falling one have none."""
    years = np.arange(1700.0, 1800.0)
    assert skipped_step(np.delete(years, [3, 50, 51])) == 1.0
    assert skipped_step(np.delete(np.arange(0.0, 50.0, 0.25), [7])) == 0.25
    assert skipped_step(years) is None  # every step there: nas.data.tables.orders_rows reads it
    assert skipped_step(np.array([1.0, 2.0, 3.5, 4.0, 6.0, 7.0])) is None  # 3.5: off the grid
    assert skipped_step(np.array([1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 30.0])) is None  # most of the grid absent
    assert skipped_step(years[::-1]) is None
    assert skipped_step(None) is None


def test_a_series_that_skips_years_reads_as_the_whole_series_with_missing_steps(tmp_path: Path) -> None:
    """No flag: the file is a series (not a table asking for --target), the skipped years are
    inserted and said, each filled between its neighbours, and the windows that would forecast one
    are left out: the rest are exactly the whole file's windows."""
    whole, holed, rows = _files(tmp_path)
    assert infer_task(str(holed), None) == "sequence"
    full = load_data(spec(whole, "sequence", window=11))
    data = load_data(spec(holed, "sequence", window=11))
    assert "column 'YEAR' rises by 1 but skips 3 step(s): inserted as missing steps" in data.notes
    assert "3 missing step(s) of 'SUNACTIVITY' filled by linear interpolation between their neighbours" in data.notes
    assert "3 window(s) whose next 'SUNACTIVITY' was missing left out" in data.notes
    assert data.preprocessing["grid"] == {"column": "YEAR", "step": 1.0} and data.input_shape == full.input_shape == (11, 1)
    mean, std = data.preprocessing["target_mean"], data.preprocessing["target_std"]
    targets = np.concatenate([s.y.numpy() for s in (data.train, data.val, data.test)]) * std + mean
    kept = [r[1] for i, r in enumerate(rows) if i >= 11 and i not in CUT]
    assert np.allclose(targets, kept, atol=1e-3)
    values = np.array([r[1] for r in rows], dtype=np.float64)
    filled = np.interp(np.arange(len(rows)), np.setdiff1d(np.arange(len(rows)), CUT), np.delete(values, CUT))
    first = data.train.X.numpy()[:, :, 0] * data.preprocessing["std"][0] + data.preprocessing["mean"][0]
    windows_here = np.lib.stride_tricks.sliding_window_view(filled, 11)[: len(rows) - 11]
    windows_here = np.delete(windows_here, [c - 11 for c in CUT], axis=0)
    assert np.allclose(first, windows_here[: len(first)], atol=1e-3)


def test_a_test_file_and_predict_insert_the_skipped_steps_as_training_did(workdir: Path, run_cli) -> None:
    """--test-data continuing the series skips years too: inserted by the training file's step;
    `nas predict` on the holed file forecasts every step of the whole grid (one window a step, the
    last past the end) and scores the steps the file holds; a time off the grid is one line."""
    _, holed, rows = _files(workdir)
    train = write_csv(workdir / "train.csv", ["YEAR", "SUNACTIVITY"], [r for i, r in enumerate(rows[:250]) if i not in CUT])
    test = write_csv(workdir / "test.csv", ["YEAR", "SUNACTIVITY"], [r for i, r in enumerate(rows[250:]) if i not in (5, 30)])
    data = load_data(DataSpec(task="sequence", path=str(train), test_path=str(test), window=11))
    assert len(data.test) == len(rows) - 250 - 2  # the two skipped years inserted, never forecast
    assert "--test-data: column 'YEAR' rises by 1 but skips 2 step(s): inserted as missing steps" in data.notes
    result = run_cli("search", "--data", holed, "--window", 11, "--trials", 1, "--epochs", 2, "--cv", 1)
    assert result.exit_code == 0, result.stderr
    assert "data: column 'YEAR' rises by 1 but skips 3 step(s): inserted as missing steps" in result.stdout
    assert run_cli("export", "--out", "bundle").exit_code == 0
    answer = run_cli("predict", "bundle", holed, "--format", "json")
    assert answer.exit_code == 0, answer.stderr
    forecasts = json.loads(answer.stdout)
    assert len(forecasts) == len(rows) - 11 + 1
    assert [f["input"] for f in forecasts[29:32]] == ["YEAR 1740", "YEAR 1741", "YEAR 1742"]  # 1740-41 inserted
    assert forecasts[0]["input"] == "YEAR 1711" and forecasts[-1]["input"] == "YEAR after 2008"
    assert f"({len(rows) - 11 - len(CUT)} rows)" in answer.stderr  # the inserted steps are not scored
    off = write_csv(workdir / "off.csv", ["YEAR", "SUNACTIVITY"], [[1700, 5.0], [1701.5, 6.0], [1703, 7.0]] + rows[4:30])
    bad = run_cli("predict", "bundle", off)
    assert bad.exit_code == 2 and "off.csv: column 'YEAR' is the time, rising by 1; some of its values are off that grid" in bad.stderr
    far = write_csv(workdir / "far.csv", ["YEAR", "SUNACTIVITY"], rows[:30] + [[10 ** 12, 5.0]])  # a typo, not a gap
    bad = run_cli("predict", "bundle", far)
    assert bad.exit_code == 2 and f"far.csv: column 'YEAR' is the time, rising by 1; it skips {10 ** 12 - 1730} of" in bad.stderr


def test_a_study_stored_before_keeps_reading_the_time_as_an_input(tmp_path: Path) -> None:
    """A spec stored before 2026-12-06 lacks `skipped_steps`: read as it was (the year an input
    beside the values), so its study resumes, exports and retrains on the same data."""
    _, holed, _ = _files(tmp_path)
    stored = DataSpec.from_dict({"task": "sequence", "path": str(holed), "target": "SUNACTIVITY", "window": 11})
    assert stored.skipped_steps is False
    old = load_data(stored)
    assert old.input_shape == (11, 2) and "grid" not in old.preprocessing
    assert load_data(DataSpec.from_dict({**stored.to_dict(), "skipped_steps": True})).input_shape == (11, 1)
