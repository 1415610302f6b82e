"""Dates as spreadsheets write them (nas.data.dates): 10/3/2016 0:00, 13.10.2016, 2016/10/03 are
features, in the order of day and month the column itself tells, and a new file (`nas predict`,
`--test-data`) is read in that order even when its own dates cannot tell."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.data.dates import AMBIGUOUS, as_dates, date_order
from nas.data.inputs import load_inputs
from nas.errors import DataError
from tests.test_data_files import write_csv


@pytest.mark.parametrize("cells, order, first", [
    (["10/3/2016 0:00", "10/13/2016 1:00 PM", ""], "mdy", 2016 + (31 + 29 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 2) / 366),
    (["13.10.2016", "1.2.2017"], "dmy", 2016 + (31 + 29 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 12) / 366),
    (["31-12-1999", "1-1-2000"], "dmy", 1999 + 364 / 365),
    (["2016/10/03", "2016/1/3 14:00"], "ymd", 2016 + (31 + 29 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 2) / 366),
    (["2001-06-30", "2001-06"], "iso", 2001 + 180 / 365),
    (["1/2/2017 12:30 AM", "1/3/2017 12:30 PM", "1/13/2017"], "mdy", 2017 + (1 + 0.5 / 24) / 365),
    (["8/6/20 18:00", "10/13/20 9:00"], "mdy2", 2020 + (31 + 29 + 31 + 30 + 31 + 30 + 31 + 5.75) / 366),
    (["25/11/63", "1/12/63"], "dmy2", 1963 + (334 - 30 + 24) / 365),  # 63: 1963 (Excel's 1930-2029)
    (["3/1/29", "3/13/29"], "mdy2", 2029 + (31 + 28) / 365),
    (["June 22, 2018", "Sept. 3rd, 2019", "dec 25 2019"], "named", 2018 + (31 + 28 + 31 + 30 + 31 + 21) / 365),
    (["2002 Jan", "2002 Feb", "2003-Mar-02"], "named", 2002.0),  # R's yearmonth, as fpp3 exports it
    (["6-Aug-09", "30JUN2001", "1 July 2001 2:00 PM"], "named", 2009 + (212 + 5) / 365),
    (["Mar-18", "Apr-2018", "May 2018"], "named", 2018 + (31 + 28) / 365),  # Excel's mmm-yy
    (["Mon, 30 Jun 2001 14:00:00 +0000"], "named", 2001 + (180 + 14 / 24) / 365),  # e-mail, HTTP
    (["1970 Q2", "1970Q3", "1970-q4", "Q1 1971", "Q2/1971"], "quarter", 1970 + (31 + 28 + 31) / 365),  # R, pandas
])
def test_a_column_tells_its_order_of_day_and_month(cells: list[str], order: str, first: float) -> None:
    values, missing = np.array(cells), np.array([c == "" for c in cells])
    assert date_order(values, missing) == order
    years = as_dates(values, missing, order)
    assert years is not None and years[0] == pytest.approx(first, abs=1e-6)
    assert np.isnan(years[missing]).all()


@pytest.mark.parametrize("cells, order", [
    (["1/1/2010", "2/1/2010", "12/1/2010"], AMBIGUOUS),  # month or day first: both fit
    (["13/1/2010", "1/13/2010"], None),  # each order in one cell: not one column of dates
    (["3/4", "5/6"], None),  # fractions, ratings: no year
    (["10/3/16", "10/13/2016"], None),  # two-digit and four-digit years: not one notation
    (["Jan 12", "Feb 3"], None),  # a day without its year
    (["May", "June"], None),  # months without years: categories
    (["10/3/2016", "soon"], None),
    (["Q1", "Q2"], None),  # quarters without years: categories
    (["1970 Q5"], None),
])
def test_what_is_not_one_order_of_dates_is_not_read_as_dates(cells: list[str], order: str | None) -> None:
    assert date_order(np.array(cells), np.zeros(len(cells), bool)) == order
    assert as_dates(np.array(["2/30/2001"]), np.zeros(1, bool), "mdy") is None  # the shape of a date, not one


def _hours(start_day: int, n: int) -> list[str]:
    """Hourly stamps as a US spreadsheet writes them: month/day/year hour:minutes."""
    return [f"10/{start_day + i // 24}/2016 {i % 24}:00" for i in range(n)]


def test_us_dates_are_a_feature_read_in_their_order_for_prediction_and_test_files(tmp_path: Path) -> None:
    """Stat2Data's KeyWestWater layout (`10/3/2016 0:00`, hourly): the column is a feature, said
    with the order found; a new file whose days are all below 13 (each cell could be either
    order) is read month first, as training was, for `nas predict` and as a `--test-data` file."""
    stamps = _hours(3, 24 * 20)  # October 3rd to 22nd: days above 12 tell month/day/year
    rng = np.random.default_rng(0)
    rows = [[s, f"{v:.3f}", f"{i / 24 + v:.4f}"] for i, (s, v) in enumerate(zip(stamps, rng.normal(size=len(stamps))))]
    path = write_csv(tmp_path / "water.csv", ["DateTime", "noise", "t"], rows)
    data = load_data(DataSpec(task="tabular", path=str(path), target="t"))
    assert data.preprocessing["columns"] == ["DateTime", "noise"]
    assert data.preprocessing["date_orders"] == {"DateTime": "mdy"}
    said = [n for n in data.notes if n.startswith("column 'DateTime'")]
    assert said == ["column 'DateTime' read as dates (month/day/year: a second number above 12), each as its year "
                    "with the fraction gone (2016.754 to 2016.809)"]
    early = write_csv(tmp_path / "early.csv", ["DateTime", "noise"], [["10/5/2016 6:00", "0.1"], ["11/1/2016 0:00", "0.2"]])
    X, _ = load_inputs(early, data.describe())
    bad = write_csv(tmp_path / "bad.csv", ["DateTime", "noise"], [["10/5/2016 6:00", "0.1"], ["soon", "0.2"]])
    with pytest.raises(DataError, match="column 'DateTime' is not numeric \\(value 'soon'\\)"):  # not the date
        load_inputs(bad, data.describe())
    mean, std = data.preprocessing["mean"][0], data.preprocessing["std"][0]
    leap = 366
    assert X[:, 0] * std + mean == pytest.approx([2016 + (278 + 0.25) / leap, 2016 + 305 / leap], abs=1e-4)
    test = write_csv(tmp_path / "test.csv", ["DateTime", "noise", "t"], [[s, "0.0", "1.0"] for s in _hours(1, 48)])
    given = load_data(DataSpec(task="tabular", path=str(path), target="t", test_path=str(test)))
    unscaled = given.test.X.numpy()[:, 0] * given.preprocessing["std"][0] + given.preprocessing["mean"][0]
    assert unscaled[0] == pytest.approx(2016 + 274 / leap, abs=1e-4)  # 10/1/2016: October 1st, not January 10th


def test_dates_whose_order_no_day_tells_stay_text_and_say_why(tmp_path: Path) -> None:
    """Monthly dates written 1/1/1990, 2/1/1990, ...: month or day first both fit, so the column
    is read as text was before (here: 36 categories), said."""
    rows = [[f"{1 + i % 12}/1/{1990 + i // 12}", f"{i * 0.37 % 1:.3f}", f"{i:.1f}"] for i in range(60)]
    path = write_csv(tmp_path / "monthly.csv", ["month", "noise", "sales"], rows)
    data = load_data(DataSpec(task="tabular", path=str(path), target="sales"))
    assert data.preprocessing["columns"] == ["noise"] and "month" in data.preprocessing["categories"]
    assert "column 'month' holds dates, but no number above 12 tells day/month from month/day: read as text" in data.notes


def _searched_by_an_older_nas(run_cli, path: Path, target: str, key: str) -> str:  # noqa: ANN001
    """Search `path` (the caller patches the reading to an older nas's), drop the data spec's
    `key` as that nas stored it, and export the study with today's reading: the study's name."""
    import optuna

    first = run_cli("search", "--data", path, "--target", target, "--trials", 1, "--epochs", 1, "--quiet")
    assert first.exit_code == 0, first.stderr
    name = f"tabular-{path.stem}"
    study = optuna.load_study(study_name=name, storage="sqlite:///studies/nas.db")
    record = study.user_attrs["nas"]
    del record["data_spec"][key]  # as an older nas stored it
    study.set_user_attr("nas", record)
    exported = run_cli("export", "--out", "bundle")
    assert exported.exit_code == 0, exported.stderr
    return name


def _resumed_and_fresh(run_cli, path: Path, target: str, name: str, said: str) -> None:  # noqa: ANN001
    """The study resumes with today's reading (its data read as stored); a new study of the same
    file reads it today's way (`said` in its output)."""
    import optuna

    resumed = run_cli("search", "--data", path, "--target", target, "--trials", 2, "--epochs", 1, "--quiet")
    assert resumed.exit_code == 0, resumed.stderr
    assert len(optuna.load_study(study_name=name, storage="sqlite:///studies/nas.db").trials) == 2
    fresh = run_cli("search", "--data", path, "--target", target, "--trials", 1, "--epochs", 1, "--study", "new")
    assert fresh.exit_code == 0 and said in fresh.stdout, fresh.stderr


def test_a_study_stored_before_dates_were_read_still_exports_and_resumes(workdir: Path, run_cli,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A study searched when a date column was an id (left out) keeps that reading: its record's
    data spec has no `dates`, and export and a resumed search read its data as it was stored,
    not with one feature more (which would refuse it as changed data)."""
    import nas.data.csv_file as csv_file

    days = [f"{1990 + i // 12}-{1 + i % 12:02d}-01" for i in range(60)]
    path = write_csv(workdir / "prices.csv", ["date", "noise", "price"],
                     [[d, f"{(i * 7) % 5 / 5:.2f}", f"{i / 12:.3f}"] for i, d in enumerate(days)])
    with monkeypatch.context() as old_nas:  # the reading before dates: no date is a feature
        old_nas.setattr(csv_file, "date_notations", lambda **reading: ())
        name = _searched_by_an_older_nas(run_cli, path, "price", "dates")
    _resumed_and_fresh(run_cli, path, "price", name, "column 'date' read as dates")


def test_a_study_stored_before_day_month_dates_still_exports_and_resumes(workdir: Path, run_cli,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A study searched when `10/13/2016` was text keeps that reading: its record's data spec has
    no `day_month_dates`, and export and a resumed search read its data as stored."""
    import nas.data.csv_file as csv_file

    path = write_csv(workdir / "water.csv", ["DateTime", "noise", "t"],  # October 10th to 13th
                     [[s, f"{(i * 7) % 5 / 5:.2f}", f"{i / 24:.3f}"] for i, s in enumerate(_hours(10, 24 * 4))])
    with monkeypatch.context() as old_nas:  # the reading before day-month dates: ISO ones alone
        old_nas.setattr(csv_file, "date_notations", lambda **reading: ("iso",))
        name = _searched_by_an_older_nas(run_cli, path, "t", "day_month_dates")
    _resumed_and_fresh(run_cli, path, "t", name, "column 'DateTime' read as dates (month/day/year")


def test_month_names_and_two_digit_years_are_features_and_predict_reads_them(tmp_path: Path) -> None:
    """Stat2Data's Markets (`6-Aug-09`) and KMsurv's baboon (`25/11/63`) layouts: each column is
    one feature, said with its notation; `nas predict` reads a new file's cells alike (a two-digit
    year in the stored order and century), and names a cell that is not such a date."""
    days = [f"{1 + i % 28}-{('Jan', 'Feb', 'Mar')[i // 28 % 3]}-{9 + i // 84:02d}" for i in range(168)]
    short = [f"{1 + i % 28}/{1 + i // 28 % 12}/{63 + i // 84}" for i in range(168)]
    path = write_csv(tmp_path / "markets.csv", ["Date", "seen", "up"],
                     [[d, s, f"{i * 0.01:.2f}"] for i, (d, s) in enumerate(zip(days, short))])
    data = load_data(DataSpec(task="tabular", path=str(path), target="up"))
    assert data.preprocessing["columns"] == ["Date", "seen"]
    assert data.preprocessing["date_orders"] == {"Date": "named", "seen": "dmy2"}
    assert "column 'Date' read as dates (with month names), each as its year with the fraction gone " \
           "(2009.000 to 2010.236)" in data.notes
    new = write_csv(tmp_path / "new.csv", ["Date", "seen"], [["Jun 30 2009", "1/2/64"], ["2010 Jan", "2/1/63"]])
    X, _ = load_inputs(new, data.describe())
    years = X * np.array(data.preprocessing["std"]) + np.array(data.preprocessing["mean"])
    assert years[:, 0] == pytest.approx([2009 + 180 / 365, 2010.0], abs=1e-4)
    assert years[:, 1] == pytest.approx([1964 + 31 / 366, 1963 + 1 / 365], abs=1e-4)  # day first, 19xx
    bad = write_csv(tmp_path / "bad.csv", ["Date", "seen"], [["Jun 30 2009", "1/2/64"], ["Juneteenth", "1/2/64"]])
    with pytest.raises(DataError, match="column 'Date' is not numeric \\(value 'Juneteenth'\\)"):
        load_inputs(bad, data.describe())


def test_a_study_stored_before_month_names_still_exports_and_resumes(workdir: Path, run_cli,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A study searched when `2002 Jan` was text (an id, left out) keeps that reading: its
    record's data spec has no `named_dates`, and export and a resumed search read it as stored."""
    import nas.data.csv_file as csv_file

    months = [f"{1990 + i // 12} {('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')[i % 12]}"
              for i in range(60)]
    path = write_csv(workdir / "gas.csv", ["Month", "noise", "volume"],
                     [[m, f"{(i * 7) % 5 / 5:.2f}", f"{i / 12:.3f}"] for i, m in enumerate(months)])
    with monkeypatch.context() as old_nas:  # the reading before month names
        old_nas.setattr(csv_file, "date_notations", lambda **reading: ("iso", "ymd", "mdy", "dmy"))
        name = _searched_by_an_older_nas(run_cli, path, "volume", "named_dates")
    _resumed_and_fresh(run_cli, path, "volume", name, "column 'Month' read as dates (with month names)")


def test_quarters_are_a_feature_and_a_study_stored_before_them_keeps_its_reading(workdir: Path, run_cli,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """aeon's Uschange (`1970 Q1`, as R's yearqtr and fpp3 write quarters): the quarter is one
    feature, said, and `nas predict` reads pandas' `1970Q1` too. A study searched when quarters
    were text (an id, left out) keeps that reading on export and resume."""
    import nas.data.csv_file as csv_file

    aeon = pytest.importorskip("aeon", reason="aeon (which ships Uschange) is not installed: pip install 'nas[ucr]'")
    path = workdir / "Uschange.csv"
    path.write_text((Path(aeon.__file__).parent / "datasets" / "data" / "Uschange" / "Uschange.csv").read_text())
    data = load_data(DataSpec(task="tabular", path=str(path), target="Consumption"))
    assert data.preprocessing["columns"] == ["Quarter", "Income", "Production", "Savings", "Unemployment"]
    assert "column 'Quarter' read as dates (quarters, each as its first day), each as its year with the fraction " \
           "gone (1970.000 to 2016.497)" in data.notes
    new = write_csv(workdir / "new.csv", ["Quarter", "Income", "Production", "Savings", "Unemployment"],
                    [["2017Q1", "1.0", "0.5", "2.0", "0.1"]])
    X, _ = load_inputs(new, data.describe())
    year = X[0, 0] * data.preprocessing["std"][0] + data.preprocessing["mean"][0]
    assert year == pytest.approx(2017.0, abs=1e-4)
    with monkeypatch.context() as old_nas:  # the reading before quarters
        old_nas.setattr(csv_file, "date_notations", lambda **reading: ("iso", "ymd", "mdy", "dmy", "mdy2", "dmy2", "named"))
        name = _searched_by_an_older_nas(run_cli, path, "Consumption", "quarter_dates")
    _resumed_and_fresh(run_cli, path, "Consumption", name, "column 'Quarter' read as dates (quarters")
