"""End-to-end searches through the CLI for the sequence and tabular tasks and the user's own
files, then the best trial's weights predict new inputs read the way predict reads them."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.test_data_files import table_rows, write_csv, write_pngs

TINY_RNN = """\
family: rnn
rnn:
  cell: [gru, lstm]
  hidden: [8]
  pool: [last, mean]
train:
  batch_size: 64
  epochs: 1
"""

TINY_MLP = """\
family: mlp
layers:
  depth: {low: 0, high: 1}
  width: [8]
train:
  batch_size: 32
  epochs: 2
"""


def _space(tmp: Path, text: str) -> Path:
    path = tmp / "space.yaml"
    path.write_text(text)
    return path


def _best_predictions(workdir: Path, new_inputs: Path) -> tuple[np.ndarray, dict]:
    """What predict does with a study's best trial: rebuild, load weights, read inputs, run."""
    import torch

    from nas.data.inputs import load_inputs
    from nas.models import build_model
    from nas.store import artifact_store, load_study, open_storage, trial_arch
    from nas.store.checkpoints import load_checkpoint

    study = load_study(None, open_storage(None, create=False))
    info = study.user_attrs["nas"]["data"]
    model = build_model(trial_arch(study.best_trial), tuple(info["input_shape"]), info["out_dim"])
    model.load_state_dict(load_checkpoint(study.best_trial, artifact_store(None, None)))
    X, _ = load_inputs(new_inputs, info)
    with torch.no_grad():
        return model.eval()(torch.from_numpy(X)).numpy(), {**info, "spec": study.user_attrs["nas"]["data_spec"]}


def test_sequence_search_default_data_shows_metrics_and_baseline(workdir: Path, run_cli) -> None:
    r = run_cli("search", "--task", "sequence", "--space", _space(workdir, TINY_RNN), "--trials", 2, "--epochs", 1)
    assert r.exit_code == 0, r.stderr or r.exception
    assert "test accuracy" in r.stdout and "macro-F1" in r.stdout
    assert "baseline logistic regression: test accuracy" in r.stdout and "majority class" in r.stdout
    rows = run_cli("leaderboard", "--json").json()
    assert set(rows[0]["test_metrics"]) == {"accuracy", "f1_macro"}


def test_tabular_regression_reports_rmse_mae_r2(workdir: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    import nas.commands.results

    monkeypatch.setattr(nas.commands.results, "console", Console(width=200))  # no folded table cells
    r = run_cli("search", "--dataset", "diabetes", "--space", _space(workdir, TINY_MLP), "--trials", 2, "-q")
    assert r.exit_code == 0, r.stderr or r.exception
    assert "study 'tabular-diabetes'" in r.stdout  # the task follows the built-in
    assert "RMSE" in r.stdout and "R²" in r.stdout and "baseline linear regression" in r.stdout
    board = run_cli("leaderboard").stdout
    assert "other test metrics" in board and "MAE" in board and "R²" in board


def test_user_csv_table_search_then_predict(workdir: Path, run_cli) -> None:
    path = write_csv(workdir / "fruit.csv", ["x", "colour", "n", "label"], table_rows(60))
    r = run_cli("search", "--data", path, "--target", "label", "--space", _space(workdir, TINY_MLP),
                "--trials", 2, "-q")
    assert r.exit_code == 0, r.stderr or r.exception
    assert "study 'tabular-fruit'" in r.stdout
    new = write_csv(workdir / "new.csv", ["colour", "x", "n"], [["red", 0.5, 3], ["blue", -1.0, 90]])
    out, info = _best_predictions(workdir, new)
    assert out.shape == (2, 2) and info["class_names"] == ["no", "yes"]
    assert info["spec"]["path"] == str(path.resolve()) and info["spec"]["target"] == "label"  # retrain reloads it


def test_user_image_folder_search_then_predict(workdir: Path, run_cli, tiny_space: Path) -> None:
    for i, name in enumerate(["circle", "square"]):
        write_pngs(workdir / "shapes" / name, 6, size=(10, 10), seed=i)
    r = run_cli("search", "--data", workdir / "shapes", "--image-size", 8, "--space", tiny_space, "--trials", 2, "-q")
    assert r.exit_code == 0, r.stderr or r.exception
    write_pngs(workdir / "new", 3, size=(20, 20), mode="RGB")
    out, info = _best_predictions(workdir, workdir / "new")
    assert out.shape == (3, 2) and info["input_shape"] == [1, 8, 8]


@pytest.mark.parametrize("args, message", [
    (["--data", "nope.csv", "--target", "y"], "nope.csv: no such file"),
    (["--data", "bad.csv", "--target", "lable"], "did you mean 'label'"),
    (["--data", "X.npz"], "pass --task image or --task sequence"),
])
def test_bad_data_is_one_line_exit_2(workdir: Path, run_cli, args: list[str], message: str) -> None:
    write_csv(workdir / "bad.csv", ["x", "colour", "n", "label"], table_rows())
    np.savez(workdir / "X.npz", X=np.zeros((20, 4, 10)), y=np.zeros(20))
    r = run_cli("search", *args, "--trials", 1)
    assert r.exit_code == 2 and message in r.stderr
    assert r.stderr.startswith("error: ") and r.stderr.count("\n") == 1
    assert not (workdir / "studies").exists()  # nothing stored


def test_datasets_lists_builtins(run_cli) -> None:
    rows = {r["name"]: r for r in run_cli("datasets", "--json").json()}
    assert rows["diabetes"]["kind"] == "regression" and rows["digits_seq"]["shape"] == [8, 8]
    table = run_cli("datasets").stdout
    assert "breast_cancer" in table and "scikit-learn" in table


def test_search_help_lists_data_flags(run_cli) -> None:
    r = run_cli("search", "--help")
    assert r.exit_code == 0
    for flag in ("--data", "--target", "--window", "--image-size", "--kind"):
        assert flag in r.stdout
