"""Monash .tsf forecasting files (nas.data.tsf_file): many series, one model, each series' last
@horizon steps its test. The files are M1's yearly series as aeon ships them, whole or cut."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nas.data import DataSpec, load_data
from nas.errors import DataError, UsageError


@pytest.fixture
def m1() -> Path:
    aeon = pytest.importorskip("aeon", reason="aeon (which ships M1's yearly .tsf file) is not installed: pip install 'nas[ucr]'")
    return Path(aeon.__file__).parent / "datasets" / "data" / "m1_yearly_dataset" / "m1_yearly_dataset.tsf"


def _cut(m1: Path, path: Path, series: int, missing: bool = False) -> Path:
    """The header and the first `series` series of M1 (a step of the second made '?')."""
    lines = m1.read_text().splitlines()
    at = lines.index("@data") + 1
    data = lines[at:at + series]
    if missing:
        head, steps = data[1].rsplit(":", 1)
        cells = steps.split(",")
        cells[3] = "?"
        data[1] = f"{head}:{','.join(cells)}"
    path.write_text("\n".join([*lines[:at], *data]) + "\n")
    return path


def test_every_window_of_every_series_is_a_row_and_each_series_last_steps_test(m1: Path, tmp_path: Path) -> None:
    """Rows are windows of the series' changes over their scale; the last @horizon (6) steps of
    each series test, the 6 before validate; the step after a window is its last step plus the
    target times the series' scale (its mean absolute value before its validation steps)."""
    from nas.data.tsf_file import load_tsf, read_tsf

    path = _cut(m1, tmp_path / "m1.tsf", 20, missing=True)
    tsf = read_tsf(path)
    assert len(tsf.series) == 20 and tsf.horizon == 6 and tsf.frequency == "yearly" and tsf.filled == 1
    assert tsf.names[:2] == ["T1", "T2"] and np.isfinite(tsf.series[1]).all()
    raw = load_tsf(path, DataSpec(task="sequence", path=str(path)))
    windows = sum(len(s) - 6 for s in tsf.series)  # a window of 6 steps, each with a step after it
    assert raw.X.shape == (windows, 6, 1) and np.all(raw.X[:, -1, 0] == 0)
    train, val, test = raw.splits
    n = np.array([len(s) - 6 for s in tsf.series])  # M1 has series of 15 steps: 9 windows, 3 of them validate
    assert len(test) == np.minimum(6, n).sum() and len(val) == np.minimum(6, n - np.minimum(6, n)).sum()
    assert len(train) == windows - len(test) - len(val) > 0
    first = tsf.series[0]
    scale = np.mean(np.abs(first[:-12]))
    rows = len(first) - 6
    assert np.allclose(raw.X[0, :, 0] * scale + first[5], first[:6], rtol=1e-5)
    assert np.allclose(raw.y[:rows] * scale + first[5:-1], first[6:], rtol=1e-4)
    assert set(test[test < rows]) == set(range(rows - 6, rows))
    data = load_data(DataSpec(task="sequence", path=str(path)))
    assert data.input_shape == (6, 1) and data.kind == "regression"
    assert "1 missing step(s) filled by linear interpolation along their series" in data.notes


def test_a_bad_tsf_file_or_flag_is_one_line(m1: Path, tmp_path: Path) -> None:
    path = _cut(m1, tmp_path / "m1.tsf", 5)
    bad = tmp_path / "bad.tsf"
    bad.write_text(path.read_text().replace("T3:", "T3:1972-01-01 00-00-00:7,x,9\nT9:", 1))
    with pytest.raises(DataError, match=r"bad.tsf: line \d+: step 'x' is not a number"):
        load_data(DataSpec(task="sequence", path=str(bad)))
    header = tmp_path / "header.tsf"
    header.write_text(path.read_text().replace("@data\n", ""))
    with pytest.raises(DataError, match=r"header.tsf: line 16: expected a header line \(@relation, @attribute, ...\) before @data"):
        load_data(DataSpec(task="sequence", path=str(header)))
    header.write_text(path.read_text().split("@data")[0])
    with pytest.raises(DataError, match="no @data line"):
        load_data(DataSpec(task="sequence", path=str(header)))
    with pytest.raises(UsageError, match="--task: .* use --task sequence"):
        load_data(DataSpec(task="tabular", path=str(path)))
    with pytest.raises(UsageError, match="--target: does not apply"):
        load_data(DataSpec(task="sequence", path=str(path), target="T1"))
    with pytest.raises(UsageError, match="--test-data: .* holds its own split already \\(each series' last @horizon steps test\\)"):
        load_data(DataSpec(task="sequence", path=str(path), test_path=str(path)))
    short = tmp_path / "short.tsf"
    short.write_text(path.read_text().replace("@horizon 6", "@horizon 40"))
    with pytest.raises(DataError, match="nothing to train on"):
        load_data(DataSpec(task="sequence", path=str(short)))


def test_search_export_and_predict_a_tsf_file_in_its_series_units(m1: Path, workdir: Path, run_cli) -> None:
    """No flag but --data: the task is inferred; the bundle forecasts every window of a .tsf
    file in the series' own units (one past each series' end), scored against the steps."""
    path = _cut(m1, workdir / "m1.tsf", 40)
    result = run_cli("search", "--data", path, "--trials", 1, "--epochs", 2)
    assert result.exit_code == 0, result.stderr
    assert "data: 40 series of 15 to 58 yearly steps" in result.stdout
    from nas.data.tsf_file import read_tsf

    exported_forecasts_are_levels(run_cli, path, read_tsf(path).series, window=6)


def exported_forecasts_are_levels(run_cli, path: Path, series: list[np.ndarray], window: int,
                                  first: str | None = None) -> None:
    """The study's exported bundle forecasts every window of the file's `series` (the first one
    named T1, its first forecast `first`: by its place, or its time), one past each series' end,
    in the series' own units, scored against the steps."""
    assert run_cli("export", "--out", "bundle").exit_code == 0
    answer = run_cli("predict", "bundle", path, "--format", "json")
    assert answer.exit_code == 0, answer.stderr
    rows = json.loads(answer.stdout)
    assert len(rows) == sum(len(s) - window + 1 for s in series) and rows[0]["input"] == (first or f"T1 step {window + 1}")
    predicted = np.array([r["value"] for r in rows[: len(series[0]) - window]])
    assert np.corrcoef(predicted, series[0][window:])[0, 1] > 0.9  # levels in the series' units, not scaled changes
    assert "scored against the series' own steps, in their units, the value after each window" in answer.stderr
