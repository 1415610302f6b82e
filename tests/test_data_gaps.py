"""Series with missing steps (nas.data.gaps): the UCR archive's .tsv marks them NaN and pads
series of unequal length with NaN (its DodgerLoop and varying-length sets), a .ts file writes
'?'. They read as series, each gap filled by linear interpolation between its neighbours and the
NaN after a series' last known step (padding) with zeros, said in a `data:` line, in training, in
a test file and in `nas predict` alike. Real series (UCR GunPoint,
bundled with aeon) with gaps punched in; the expected values are computed here with np.interp."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from nas.data import load_data
from nas.data.gaps import filled_series
from nas.errors import DataError
from tests.test_data_files import _real_2d, spec

GAPS = {3: slice(40, 52), 8: slice(0, 5), 13: slice(145, 150)}  # inside, at the start, at the end of a series
SHORT = {5: 120, 21: 97}  # series cut short: the rest of the line NaN, as the archive pads unequal lengths


def _punched(X: np.ndarray) -> np.ndarray:
    holed = X.astype(np.float64).copy()
    for row, steps in GAPS.items():
        holed[row, steps] = np.nan
    for row, length in SHORT.items():
        holed[row, length:] = np.nan
    return holed


def _filled_here(X: np.ndarray) -> np.ndarray:
    """What nas should make of `_punched(X)`: each series' known steps joined by straight lines,
    the nearest known value before the first, zeros after the last (the padding of a shorter series)."""
    holed, out = _punched(X), X.astype(np.float64).copy()
    for row in (*GAPS, *SHORT):
        known = ~np.isnan(holed[row])
        out[row] = np.interp(np.arange(X.shape[1]), np.flatnonzero(known), holed[row, known])
        out[row, np.flatnonzero(known)[-1] + 1 :] = 0.0
    return out


def _said(series: int) -> str:
    """The note for `_punched` series: rows 13 (its gap at the end), 5 and 21 are padding, the
    gaps of rows 3 and 8 filled."""
    return (f"3 of {series} series of 97 to 150 steps (NaN after their last step) padded with zeros to 150; 17 missing "
            f"step(s) in 2 of {series} series filled by linear interpolation between their neighbours (the nearest "
            f"known step at the start)")


def _tsv(path: Path, X: np.ndarray, y: np.ndarray | None) -> Path:
    """The archive's .tsv: no header, tab-separated, label first (when given), NaN for a missing step."""
    def cell(v: float) -> str:
        return "NaN" if np.isnan(v) else f"{v:.7f}"
    path.write_text("".join(("" if y is None else f"{label}\t") + "\t".join(map(cell, row)) + "\n"
                            for label, row in zip(y if y is not None else [None] * len(X), X)))
    return path


def test_missing_steps_are_joined_by_a_line_the_start_takes_the_nearest_value_the_end_is_padding() -> None:
    X = np.array([[[1.0], [np.nan], [np.nan], [4.0], [np.nan]], [[np.nan], [2.0], [2.0], [2.0], [2.0]]])
    filled, note = filled_series("s.ts", X)
    assert filled[:, :, 0].tolist() == [[1.0, 2.0, 3.0, 4.0, 0.0], [2.0, 2.0, 2.0, 2.0, 2.0]]
    assert note == ("1 of 2 series of 4 to 5 steps (NaN after their last step) padded with zeros to 5; 3 missing "
                    "step(s) in 2 of 2 series filled by linear interpolation between their neighbours (the nearest "
                    "known step at the start)")
    assert filled_series("s.ts", np.ones((2, 5, 1)))[1] is None
    with pytest.raises(DataError, match=r"^s.ts: series 2, channel 2, has no values \(every step is missing\)$"):
        filled_series("s.ts", np.stack([np.ones((5, 2)), np.stack([np.ones(5), np.full(5, np.nan)], 1)]))
    with pytest.raises(DataError, match=r"^s.ts: series 1 has an infinite value$"):
        filled_series("s.ts", np.array([[[np.inf], [1.0]]]))


def test_a_ucr_tsv_with_gaps_and_unequal_lengths_reads_as_the_filled_series(tmp_path: Path) -> None:
    """Without --task the gappy file is still read as series (its rows look like series once
    filled); its tensors are those of the same file written with the gaps filled by hand, and
    `nas predict` reads gappy new rows (without the label) as the filled ones."""
    from nas.data import infer_task
    from nas.data.inputs import load_inputs

    X, y = _real_2d("GunPoint")
    gappy = _tsv(tmp_path / "gappy.tsv", _punched(X), y)
    clean = _tsv(tmp_path / "clean.tsv", _filled_here(X), y)
    assert infer_task(str(gappy), None) == "sequence"
    data, expected = load_data(spec(gappy, "sequence")), load_data(spec(clean, "sequence"))
    assert data.input_shape == (150, 1)
    assert _said(50) in data.notes
    for ours, theirs in ((data.train, expected.train), (data.val, expected.val), (data.test, expected.test)):
        assert np.allclose(ours.X.numpy(), theirs.X.numpy(), atol=1e-5) and np.array_equal(ours.y, theirs.y)
    info = data.describe()
    new, _ = load_inputs(_tsv(tmp_path / "new.tsv", _punched(X)[:10], None), info)
    assert np.isfinite(new).all() and np.allclose(new, load_inputs(clean, info)[0][:10], atol=1e-5)


def test_a_ts_file_with_question_marks_reads_filled_and_an_empty_series_is_refused(tmp_path: Path) -> None:
    """aeon's GunPoint .ts with '?' steps (the format's missing value): read as the filled series,
    said; a series with no known step at all is one error line naming it."""
    from nas.data.ts_file import read_ts

    aeon = pytest.importorskip("aeon", reason="the .ts files of GunPoint ship with aeon: pip install 'nas[ucr]'")
    source = Path(aeon.__file__).parent / "datasets" / "data" / "GunPoint" / "GunPoint_TRAIN.ts"
    original, _, _ = read_ts(Path(shutil.copy(source, tmp_path / "whole.ts")))
    lines = source.read_text().splitlines()
    first = next(i for i, line in enumerate(lines) if line.strip().lower() == "@data") + 1

    def written(rows: dict[int, slice], name: str) -> Path:
        out = list(lines)
        for row, steps in rows.items():
            values, label = out[first + row].rsplit(":", 1)
            cells = values.split(",")
            cells[steps] = ["?"] * len(cells[steps])
            out[first + row] = ",".join(cells) + ":" + label
        (tmp_path / name).write_text("\n".join(out).replace("@missing false", "@missing true") + "\n")
        return tmp_path / name

    X, _, notes = read_ts(written(GAPS, "gappy.ts"))
    assert notes == ["1 of 50 series of 145 to 150 steps (NaN after their last step) padded with zeros to 150; 17 "
                     "missing step(s) in 2 of 50 series filled by linear interpolation between their neighbours (the "
                     "nearest known step at the start)"]
    expected = original[:, :, 0].astype(np.float64).copy()
    for row, steps in GAPS.items():
        known = np.ones(150, bool)
        known[steps] = False
        expected[row] = np.interp(np.arange(150), np.flatnonzero(known), expected[row, known])
        expected[row, np.flatnonzero(known)[-1] + 1 :] = 0.0
    assert np.allclose(X[:, :, 0], expected, atol=1e-5)
    with pytest.raises(DataError, match=r"empty.ts: series 3 has no values \(every step is missing\)$"):
        read_ts(written({2: slice(0, 150)}, "empty.ts"))


def test_the_cli_searches_and_predicts_a_gappy_tsv_pair(workdir: Path, run_cli) -> None:
    """`nas search --data X_TRAIN.tsv --test-data X_TEST.tsv` on files with gaps, no other data
    flag: the filling is said for each file, and `nas predict` scores the gappy test file."""
    X, y = _real_2d("GunPoint")
    _tsv(workdir / "G_TRAIN.tsv", _punched(X[:40]), y[:40])
    _tsv(workdir / "G_TEST.tsv", _punched(X[5:])[::-1], y[5:][::-1])
    result = run_cli("search", "--data", "G_TRAIN.tsv", "--test-data", "G_TEST.tsv", "--trials", 1, "--epochs", 1, "--cv", 1)
    assert result.exit_code == 0, result.stderr
    assert f"data: {_said(40)}" in result.stdout
    assert f"data: --test-data: {_said(45)}" in result.stdout
    assert run_cli("export", "--out", "bundle").exit_code == 0
    scored = run_cli("predict", "bundle", "G_TEST.tsv")
    assert scored.exit_code == 0, scored.stderr
    assert "scored against the file's column '0' (45 rows): accuracy" in scored.stderr


def test_an_npz_with_missing_values_reads_as_the_same_data_in_a_text_file(tmp_path: Path) -> None:
    """NaN in an NPZ's X is a missing value, as an empty cell of a CSV: series (a UCR set saved
    N x T with gaps and unequal lengths) are filled along each series, said, in training and in
    `nas predict`; a table's cells are filled with their column's training median, the tensors
    those of the CSV with the same cells empty."""
    from sklearn.datasets import load_breast_cancer

    from nas.data.inputs import load_inputs
    from tests.test_data_files import write_csv

    X, y = _real_2d("GunPoint")
    np.savez(tmp_path / "gappy.npz", X=_punched(X), y=y)
    np.savez(tmp_path / "clean.npz", X=_filled_here(X), y=y)
    data, expected = (load_data(spec(tmp_path / f"{name}.npz", "sequence")) for name in ("gappy", "clean"))
    assert f"X: {_said(50)}" in data.notes
    for ours, theirs in ((data.train, expected.train), (data.val, expected.val), (data.test, expected.test)):
        assert np.allclose(ours.X.numpy(), theirs.X.numpy(), atol=1e-5) and np.array_equal(ours.y, theirs.y)
    new, _ = load_inputs(tmp_path / "gappy.npz", data.describe())
    assert np.allclose(new, load_inputs(tmp_path / "clean.npz", data.describe())[0], atol=1e-5)

    bc = load_breast_cancer()
    table = bc.data[:, :5].copy()
    holes = np.random.default_rng(0).random(table.shape) < 0.1
    table[holes] = np.nan
    np.savez(tmp_path / "bc.npz", X=table, y=bc.target)
    cells = [["" if np.isnan(v) else repr(float(v)) for v in row] + [int(t)] for row, t in zip(table, bc.target)]
    csv = write_csv(tmp_path / "bc.csv", ["a", "b", "c", "d", "e", "label"], cells)
    ours, theirs = load_data(spec(tmp_path / "bc.npz", "tabular")), load_data(spec(csv, "tabular", target="label"))
    assert ours.preprocessing["fill"] == pytest.approx(theirs.preprocessing["fill"])
    assert f"X: {int(holes.sum())} missing cell(s) in 5 of 5 column(s) filled with their column's median " \
           "over the training rows" in ours.notes
    for a, b in ((ours.train, theirs.train), (ours.val, theirs.val), (ours.test, theirs.test)):
        assert np.isfinite(a.X.numpy()).all() and np.allclose(a.X.numpy(), b.X.numpy(), atol=1e-5)
        assert np.array_equal(a.y, b.y)


def test_npz_rows_without_a_target_are_left_out_as_a_csv_leaves_them(tmp_path: Path) -> None:
    """diabetes with y missing (NaN) in some rows: those rows are left out and said, and the rest
    is exactly the data saved without them (a regression target; an all-NaN y is still refused)."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    holes = np.zeros(len(y), bool)
    holes[[4, 40, 400]] = True
    np.savez(tmp_path / "some.npz", X=X, y=np.where(holes, np.nan, y))
    np.savez(tmp_path / "kept.npz", X=X[~holes], y=y[~holes])
    ours, theirs = (load_data(spec(tmp_path / f"{name}.npz", "tabular")) for name in ("some", "kept"))
    assert "3 of 442 rows of X left out: their y is missing (NaN)" in ours.notes
    for a, b in ((ours.train, theirs.train), (ours.val, theirs.val), (ours.test, theirs.test)):
        assert np.array_equal(a.X.numpy(), b.X.numpy()) and np.array_equal(a.y.numpy(), b.y.numpy())
    np.savez(tmp_path / "none.npz", X=X, y=np.full(len(y), np.nan))
    with pytest.raises(DataError, match=r"none.npz: y has missing, NaN or infinite values"):
        load_data(spec(tmp_path / "none.npz", "tabular"))


def test_a_varying_length_tsv_pair_reads_as_the_archive_ships_it(workdir: Path, run_cli) -> None:
    """The archive's varying-length sets (PLAID) in .tsv: NaN after a shorter series' end, its first
    row among them (still no header row), and a TEST file as wide as its own longest series. The
    test series are padded with zeros to the training length, said; `nas predict` reads the TEST
    file, with its labels or without, the same way."""
    X, y = _real_2d("GunPoint")
    train, test = X[:30].astype(np.float64), X[30:50, :120].astype(np.float64)
    train[0, 100:] = np.nan  # the first row: 100 numbers, then 50 NaN
    test[3, 90:] = np.nan
    _tsv(workdir / "V_TRAIN.tsv", train, y[:30])
    _tsv(workdir / "V_TEST.tsv", test, y[30:50])
    result = run_cli("search", "--data", "V_TRAIN.tsv", "--test-data", "V_TEST.tsv", "--trials", 1, "--epochs", 1,
                     "--cv", 1)
    assert result.exit_code == 0, result.stderr
    assert "data: no header row (the first row is numbers): columns named 0 to 150 by position" in result.stdout
    assert "data: --test-data: series of 120 steps padded with zeros to 150 (the training series' length)" in result.stdout
    assert run_cli("export", "--out", "bundle").exit_code == 0
    scored = run_cli("predict", "bundle", "V_TEST.tsv")
    assert scored.exit_code == 0, scored.stderr
    assert "scored against the file's column '0' (20 rows): accuracy" in scored.stderr
    _tsv(workdir / "new.tsv", test, None)
    unlabelled = run_cli("predict", "bundle", "new.tsv")
    assert unlabelled.exit_code == 0, unlabelled.stderr
    assert unlabelled.stdout.splitlines()[1:] == scored.stdout.splitlines()[1:]  # the same predictions


def test_a_test_file_of_longer_series_is_cut_to_the_training_length(tmp_path: Path) -> None:
    X, y = _real_2d("GunPoint")
    train = _tsv(tmp_path / "T_TRAIN.tsv", X[:40, :120], y[:30])
    longer = _tsv(tmp_path / "T_TEST.tsv", X[30:50], y[30:50])
    cut = _tsv(tmp_path / "cut.tsv", X[30:50, :120], y[30:50])
    data = load_data(spec(train, "sequence", test_path=str(longer)))
    expected = load_data(spec(train, "sequence", test_path=str(cut)))
    assert "--test-data: series of 150 steps cut to their first 120 (the training series' length)" in data.notes
    assert data.input_shape == (120, 1) and np.array_equal(data.test.X.numpy(), expected.test.X.numpy())
