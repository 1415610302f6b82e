"""Many series in one CSV in long format (nas.data.long_csv): a row per series and step, as
Nixtla's `unique_id, ds, y`. Read as the series they are and forecast as a .tsf file's are, not
as a regression on the date. The series are M1's yearly ones (the .tsf file aeon ships) written
out in long format; the tables that must stay tables are real ones from scikit-learn."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, infer_task, load_data
from nas.errors import UsageError
from tests.test_data_files import write_csv
from tests.test_data_tsf import exported_forecasts_are_levels


@pytest.fixture
def m1_series() -> tuple[list[str], list[np.ndarray]]:
    aeon = pytest.importorskip("aeon", reason="aeon (which ships M1's yearly .tsf file) is not installed: pip install 'nas[ucr]'")
    from nas.data.tsf_file import read_tsf

    tsf = read_tsf(Path(aeon.__file__).parent / "datasets" / "data" / "m1_yearly_dataset" / "m1_yearly_dataset.tsf")
    return tsf.names[:40], tsf.series[:40]


def _long(path: Path, names: list[str], series: list[np.ndarray], by_date: bool = False) -> Path:
    """The series as R writes a long frame: its row names, unique_id, ds (ISO dates), y; rows
    grouped by series, or (`by_date`) sorted by date, the series interleaved."""
    rows = [(name, f"{1950 + i}-01-01", repr(float(v))) for name, values in zip(names, series) for i, v in enumerate(values)]
    if by_date:
        rows.sort(key=lambda row: row[1])
    return write_csv(path, ["rownames", "unique_id", "ds", "y"], [[i + 1, *row] for i, row in enumerate(rows)])


@pytest.mark.parametrize("by_date", [False, True])
def test_a_long_csv_is_its_series_forecast_as_a_tsf_file_is(m1_series, tmp_path: Path, by_date: bool) -> None:
    """No flag but --data: the task is a sequence; the rows are those `series_raw` makes of the
    same series (a .tsf file's reading), the last fifth of each series testing; the row number
    is ignored and each decision said. Grouped or interleaved by date, the same data."""
    from nas.data.long_csv import LongLayout, long_raw, read_long
    from nas.data.tables import read_csv
    from nas.data.tsf_file import Cut, TsfFile, series_raw

    names, series = m1_series
    path = _long(tmp_path / "m1.csv", names, series, by_date)
    assert infer_task(str(path), None) == "sequence"
    data = load_data(DataSpec(task="sequence", path=str(path)))
    median = int(np.median([len(s) for s in series]))
    horizon = round(0.2 * median)
    rows = sum(map(len, series))
    assert data.notes[:2] == (f"column 'rownames' ignored: it numbers the rows 1 to {rows} (a row index, not a measurement)",
                              "many series in long format: column 'unique_id' names the series, 'ds' orders its steps, "
                              "'y' is forecast (--task tabular reads the file as a table)")
    window = data.input_shape[0]
    assert f"the last {horizon} steps of each series (a fifth of the median series, {median} steps) are the test split" in data.notes[2]
    expected = series_raw(TsfFile(names, series, None, None, 0), path, "long CSV", Cut(horizon, "", window, ""))
    columns = read_csv(path)
    del columns["rownames"]
    tsf = read_long(path, columns, LongLayout("unique_id", "ds", "y"))
    assert tsf.names == names and all(np.array_equal(a, b) for a, b in zip(tsf.series, series))
    assert long_raw(path, columns, LongLayout("unique_id", "ds", "y"), window).X.shape == expected.X.shape
    train, val, test = expected.splits
    assert (len(data.train), len(data.val), len(data.test)) == (len(train), len(val), len(test))
    assert data.kind == "regression" and data.preprocessing["long_columns"] == ["unique_id", "ds", "y"]


def test_tables_and_flags_that_say_table_stay_tables(m1_series, tmp_path: Path) -> None:
    """A fourth column (a panel regression), groups too short to forecast, a time that is a name
    ('T1': an interleaved file's id), `--task tabular` and a --target other than the value: a table."""
    from sklearn.datasets import load_diabetes

    names, series = m1_series
    long = _long(tmp_path / "m1.csv", names, series)
    X, y = load_diabetes(return_X_y=True)
    sex = np.where(X[:, 1] > 0, "m", "f")
    panel = write_csv(tmp_path / "panel.csv", ["sex", "age", "bmi", "progression"],
                      [[s, f"{a:.5f}", f"{b:.5f}", f"{t:.0f}"] for s, a, b, t in zip(sex, X[:, 0], X[:, 2], y)])
    short = write_csv(tmp_path / "short.csv", ["group", "step", "value"],
                      [[g, i + 1, f"{v:.0f}"] for g in range(2) for i, v in enumerate(y[g * 10:g * 10 + 10])])
    named = write_csv(tmp_path / "named.csv", ["group", "name", "value"],
                      [[g, f"T{i + 1}", repr(float(v))] for g in range(2) for i, v in enumerate(series[g][:20])])
    for path in (panel, short, named):
        assert infer_task(str(path), None, "progression" if path == panel else None) == "tabular", path
    assert infer_task(str(long), None, "ds") == "tabular"
    gone = write_csv(tmp_path / "gone.csv", ["unique_id", "ds", "y"],
                     [[n, 1950 + i, "" if n == names[1] else repr(float(v))]
                      for n, values in zip(names[:4], series[:4]) for i, v in enumerate(values)])
    assert "1 series without a value left out ('T2')" in load_data(DataSpec(task="sequence", path=str(gone))).notes
    table = load_data(DataSpec(task="tabular", path=str(long)))  # a regression on the date: said, not the default
    assert "long_columns" not in table.preprocessing and table.preprocessing["target"] == "y"
    with pytest.raises(UsageError, match="--test-data: .* holds its own split already \\(each series' last fifth tests\\)"):
        load_data(DataSpec(task="sequence", path=str(long), test_path=str(long)))


def test_one_time_line_split_by_a_regime_column_is_not_many_series(m1_series, tmp_path: Path) -> None:
    """A column that marks spans of one series (sktime's seatbelts: `KSI` and a `label` that turns
    to 1 when the seat-belt law came in) is not a series id: the time runs through the file once,
    where each series of a long file starts its own. The same values with the time started again
    for each span are two series."""
    from nas.data.long_csv import LongLayout, long_layout
    from nas.data.tables import read_csv

    values = max(m1_series[1], key=len)
    regime = [int(i >= 2 * len(values) // 3) for i in range(len(values))]
    once = write_csv(tmp_path / "once.csv", ["date", "value", "law"],
                     [[f"{1900 + i}-01-01", repr(float(v)), r] for i, (v, r) in enumerate(zip(values, regime))])
    assert long_layout(read_csv(once)) is None
    start = regime.index(1)
    again = write_csv(tmp_path / "again.csv", ["date", "value", "law"],
                      [[f"{1900 + i - start * r}-01-01", repr(float(v)), r] for i, (v, r) in enumerate(zip(values, regime))])
    assert long_layout(read_csv(again)) == LongLayout("law", "date", "value")


def test_a_study_stored_before_the_one_time_line_rule_keeps_its_reading(m1_series, workdir: Path, run_cli,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A file searched as long format before the rule (a regime column as the series id) keeps
    that reading: its data spec has no `one_time_line`, and export and retrain read its series as
    stored. (A resumed search reads the file with today's flags first: `--task sequence` alone on
    this file now asks for --window, in one line.)"""
    import optuna

    import nas.data.long_csv as long_csv

    values = max(m1_series[1], key=len)
    path = write_csv(workdir / "regime.csv", ["date", "value", "law"],
                     [[f"{1900 + i}-01-01", repr(float(v)), int(i >= 2 * len(values) // 3)] for i, v in enumerate(values)])
    with monkeypatch.context() as old_nas:
        old_nas.setattr(long_csv, "_one_time_line", lambda values, numbers: False)
        first = run_cli("search", "--data", path, "--task", "sequence", "--trials", 1, "--epochs", 1, "--quiet")
    assert first.exit_code == 0, first.stderr
    study = optuna.load_study(study_name="sequence-regime", storage="sqlite:///studies/nas.db")
    record = study.user_attrs["nas"]
    del record["data_spec"]["one_time_line"]  # as an older nas stored it
    study.set_user_attr("nas", record)
    exported = run_cli("export", "--out", "bundle")
    assert exported.exit_code == 0, exported.stderr
    retrained = run_cli("retrain", "--epochs", 1, "--format", "state-dict")
    assert retrained.exit_code == 0, retrained.stderr


def test_search_export_and_predict_a_long_csv_in_its_series_units(m1_series, workdir: Path, run_cli) -> None:
    """The bundle forecasts every window of a long file in the series' own units (one past each
    series' end), scored against the steps; a file without the training columns is one line."""
    names, series = m1_series
    path = _long(workdir / "m1.csv", names, series)
    result = run_cli("search", "--data", path, "--trials", 1, "--epochs", 2, "--window", 5)
    assert result.exit_code == 0, result.stderr
    assert "data: 40 series of 15 to 58 steps, forecast one step ahead by one model from their last 5 steps (--window)" in result.stdout
    exported_forecasts_are_levels(run_cli, path, series, window=5, first="T1 ds 1955-01-01")  # named by its time
    other = write_csv(workdir / "other.csv", ["unique_id", "date", "y"], [["T1", "1950-01-01", 1.0]])
    refused = run_cli("predict", "bundle", other)
    assert refused.exit_code == 2 and "other.csv: no column 'ds' (the model's series were read from columns " \
                                      "'unique_id', 'ds' and 'y')" in refused.stderr
