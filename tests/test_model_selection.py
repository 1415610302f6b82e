"""Model selection (issue 11): cross-validation folds, the epoch rule, the refit, the CV study's
identity, and a CV study resumed, exported and predicted. Tiny data, 1-2 epochs. Which trial is
rank 1 (ties, the one-standard-error rule): tests/test_ranking_rule.py."""
from __future__ import annotations

import json
from pathlib import Path
from statistics import fmean

import numpy as np
import optuna
import pytest
import torch
from optuna.trial import TrialState, create_trial

from nas.data import DataSpec, load_data, make_folds
from nas.data.folds import fold_indices, fold_scheme
from nas.sample import PATH_EPOCHS

TINY_MLP = """\
family: mlp
layers:
  depth: {low: 0, high: 1}
  width: [8, 16]
train:
  lr: {low: 1.0e-3, high: 3.0e-2, log: true}
  batch_size: 32
  epochs: 2
"""


@pytest.fixture
def mlp_space(tmp_path: Path) -> Path:
    path = tmp_path / "mlp.yaml"
    path.write_text(TINY_MLP)
    return path


def _rows(t: torch.Tensor) -> set[bytes]:
    return {r.numpy().tobytes() for r in t}


# ------------------------------------------------------------------------------------- folds


def test_stratified_folds_keep_class_proportions_and_never_touch_test() -> None:
    data = load_data(DataSpec(task="tabular", dataset="breast_cancer"))
    folds = make_folds(data, 5, seed=0)
    pool_y = torch.cat([data.train.y, data.val.y])
    share = float(pool_y.float().mean())
    assert fold_scheme(data) == "stratified" and len(folds) == 5
    assert sum(len(f.val) for f in folds) == len(pool_y)  # each pooled row validates exactly once
    pool, test = _rows(torch.cat([data.train.X, data.val.X])), _rows(data.test.X)
    assert not pool & test  # precondition: no row of the test split repeats in train + validation
    for f in folds:
        assert f.test is data.test and len(f.train) + len(f.val) == len(pool_y)
        assert abs(float(f.val.y.float().mean()) - share) < 0.02  # stratified: same class share per fold
        assert not (_rows(f.train.X) | _rows(f.val.X)) & test  # the test rows are in no fold
        assert _rows(f.train.X) | _rows(f.val.X) == pool and not _rows(f.train.X) & _rows(f.val.X)
    again = make_folds(data, 5, seed=0)  # the study seed fixes the shuffle; another seed changes it
    assert all(torch.equal(a.val.y, b.val.y) for a, b in zip(folds, again))
    assert any(not torch.equal(a.val.X, b.val.X) for a, b in zip(folds, make_folds(data, 5, seed=1)))


def test_series_folds_validate_only_on_the_future() -> None:
    data = load_data(DataSpec(task="sequence", dataset="sunspots"))
    assert fold_scheme(data) == "ordered"
    pooled = len(data.train) + len(data.val)
    for train, val in fold_indices(data, 5, seed=0):
        assert train.max() < val.min()  # every validation index after every training index
        assert val.max() < pooled  # indices into train + validation only: the test windows are later
        assert list(train) == list(range(len(train)))  # an expanding window from the start
    folds = make_folds(data, 5, seed=0)
    assert all(f.test is data.test for f in folds)
    assert len(folds[0].train) < len(folds[-1].train)


def test_plain_regression_uses_shuffled_kfold() -> None:
    data = load_data(DataSpec(task="tabular", dataset="diabetes"))
    assert fold_scheme(data) == "shuffled"
    vals = [set(v) for _, v in fold_indices(data, 3, seed=0)]
    assert sum(map(len, vals)) == len(data.train) + len(data.val) and not vals[0] & vals[1]


def test_too_many_folds_for_a_class_is_one_line(workdir: Path, run_cli, mlp_space: Path) -> None:
    result = run_cli("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--cv", "60")
    assert result.exit_code == 2 and not (workdir / "studies" / "nas.db").exists()  # refused before the store
    assert result.stderr.startswith("error: --cv 60: the smallest class has at most") and result.stderr.count("\n") == 1


# ------------------------------------------------------------------------------ ranking rule


def test_cv_epoch_is_chosen_from_the_mean_curve_and_holdout_is_smoothed() -> None:
    from nas.search.selection import choose

    # fold 0 peaks at epoch 1, fold 1 at epoch 2; the mean curve peaks at epoch 2
    cv = choose([[0.5, 0.9, 0.7], [0.5, 0.6, 0.9]], "maximize")
    assert (cv.epoch, cv.epochs, cv.fold_values) == (2, 3, [0.7, 0.9]) and cv.value == fmean(cv.fold_values)
    # one lucky epoch (1.0 between 0.6s) loses to a plateau of 0.9s once smoothed; on the plateau, the latest
    holdout = choose([[0.6, 1.0, 0.6, 0.9, 0.9, 0.9]], "maximize")
    assert holdout.epoch == 5 and holdout.value == pytest.approx(0.9)
    assert choose([[0.5, 1.0, 1.0, 0.9], [0.5, 1.0, 1.0, 0.8]], "maximize").epochs == 3  # ties: the latest epoch
    assert choose([[3.0, 2.0, 2.5], [3.0, 2.2, 2.1]], "minimize").epoch == 1  # RMSE: lower is better
    # equal mean accuracy at epochs 1 and 2: the lower mean loss decides, and is the candidate's loss
    tied = choose([[0.5, 1.0, 1.0], [0.5, 1.0, 1.0]], "maximize", losses=[[0.9, 0.2, 0.4], [0.9, 0.4, 0.4]])
    assert (tied.epoch, tied.loss, tied.fold_losses) == (1, pytest.approx(0.3), [0.2, 0.4])


def test_cv_chooses_the_epoch_on_the_mean_loss_holdout_on_the_smoothed_metric() -> None:
    from nas.search.selection import choose

    # the mean accuracy spikes at epoch 1 (0.95); the mean loss is lowest at epoch 2: epoch 2 is chosen
    curves, losses = [[0.5, 1.0, 0.8, 0.8], [0.5, 0.9, 0.9, 0.9]], [[0.9, 0.5, 0.3, 0.4], [0.9, 0.5, 0.35, 0.45]]
    cv = choose(curves, "maximize", losses)
    assert (cv.epoch, cv.value, cv.loss) == (2, pytest.approx(0.85), pytest.approx(0.325))
    assert choose(curves, "maximize").epoch == 1  # no loss curves (older trials): the metric rule
    # holdout: the smoothed metric decides even where the loss is lower elsewhere
    holdout = choose([[0.6, 0.9, 0.95, 0.95, 0.95]], "maximize", [[0.8, 0.2, 0.3, 0.4, 0.5]])
    assert holdout.epoch == 4


# -------------------------------------------------------------------- a cross-validated study


def _study(storage: str, name: str) -> optuna.Study:
    return optuna.load_study(study_name=name, storage=storage)


def test_cv_value_is_the_mean_of_fold_values_and_pruning_reports_folds(workdir: Path, run_cli, mlp_space: Path) -> None:
    result = run_cli("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space,
                     "--trials", "3", "--cv", "3", "--no-refit", "--quiet")
    assert result.exit_code == 0, result.stderr
    study = _study("sqlite:///studies/nas.db", "tabular-wine")
    assert study.user_attrs["nas"]["cv"] == 3 and study.user_attrs["baseline"]["cv"]["folds"] == 3
    assert not any(k.startswith("refit:") for k in study.user_attrs)  # --no-refit
    for t in study.get_trials(states=(TrialState.COMPLETE,)):
        a = t.user_attrs
        assert len(a["fold_values"]) == 3 and t.value == fmean(a["fold_values"])
        assert a["fold_std"] == pytest.approx(float(np.std(a["fold_values"])))
        assert sorted(t.intermediate_values) == [0, 1, 2]  # one report per fold, none per epoch
        longest = PATH_EPOCHS if "linear" in a["summary"] else 2  # a linear fit's epochs are its path's steps
        assert 1 <= a["chosen_epochs"] <= longest and a["val_loss"] == pytest.approx(fmean(a["fold_losses"]))
        assert len(a["fold_curves"]) == 3 and a["val_loss"] > 0
        assert a["curve"] == pytest.approx([fmean(c) for c in zip(*a["fold_curves"])])
    assert "5-fold" not in result.stdout and "3-fold CV" in result.stdout


def test_cv_study_resumed_with_other_folds_is_refused_in_one_line(workdir: Path, run_cli, mlp_space: Path) -> None:
    args = ("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--quiet", "--no-refit")
    assert run_cli(*args, "--trials", "1", "--cv", "2").exit_code == 0
    result = run_cli(*args, "--trials", "2", "--cv", "3")
    assert result.exit_code == 2
    assert result.stderr == ("error: study 'tabular-wine' was created with --cv 2, not --cv 3; pass --study NEW to "
                             "start a new study, or run with the study's original settings\n")
    assert len(_study("sqlite:///studies/nas.db", "tabular-wine").trials) == 1  # the store is untouched


def test_cv_study_resumed_refit_exported_and_predicted(workdir: Path, run_cli, mlp_space: Path) -> None:
    args = ("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--seed", "3")
    first = run_cli(*args, "--trials", "2", "--cv", "2")
    assert first.exit_code == 0, first.stderr
    resumed = run_cli(*args, "--trials", "3")  # no --cv: a resumed study keeps its own
    assert resumed.exit_code == 0, resumed.stderr
    assert "2-fold CV" in resumed.stdout and "(ensemble of the 2 fold models)" in resumed.stdout
    study = _study("sqlite:///studies/nas.db", "tabular-wine")
    assert study.user_attrs["nas"]["cv"] == 2 and len([t for t in study.trials if "duplicate_of" not in t.user_attrs]) == 3
    best = run_cli("leaderboard", "--json").json()[0]
    assert best["folds"] == 2 and best["refit_test"] is not None and best["refit_kind"] == "ensemble"
    assert "final test acc" in run_cli("leaderboard").stdout

    exported = run_cli("export", "--format", "state-dict", "--out", "bundle")
    assert exported.exit_code == 0, exported.stderr
    manifest = json.loads((workdir / "bundle" / "manifest.json").read_text())
    assert manifest["metrics"]["test"] == best["refit_test"]  # the bundle is the final model and reproduces its test figure
    assert manifest["metrics"]["search_test"] == best["test"] and manifest["model"]["type"] == "ensemble"
    assert manifest["source"]["refit"]["kind"] == "ensemble" and manifest["source"]["refit"]["members"] == 2
    assert manifest["checks"]["test_reproduced"]["exact"] is True and manifest["source"]["folds"] == 2

    # the ensemble's first member is the search's own fold-1 model, trained again bit for bit
    assert run_cli("export", "--format", "state-dict", "--out", "fold1", "--no-refit").exit_code == 0
    from nas.ship.bundle import load_bundle

    X = torch.randn(9, 13)
    with torch.no_grad():
        assert torch.equal(load_bundle(workdir / "bundle").model.members[0](X), load_bundle(workdir / "fold1").model(X))

    from sklearn.datasets import load_wine

    X = load_wine().data[:5].astype(np.float32)
    np.savez(workdir / "new.npz", X=X)
    predicted = run_cli("predict", "bundle", "new.npz", "--format", "json")
    assert predicted.exit_code == 0, predicted.stderr
    assert len(json.loads(predicted.stdout)) == 5

    rerun = run_cli("rerun", "--trial", str(best["trial"]), "--json").json()
    assert rerun["folds"] == 2 and rerun["identical"] and rerun["rerun_value"] == best["value"]


def test_a_new_rank_1_on_resume_is_refit(workdir: Path, run_cli, mlp_space: Path) -> None:
    # a cost limit: the final model is one refit on train + validation (an ensemble would break the limit)
    args = ("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--cv", "2", "--quiet",
            "--max-params", "100000")
    assert run_cli(*args, "--trials", "1").exit_code == 0
    study = _study("sqlite:///studies/nas.db", "tabular-wine")
    first = study.trials[0]
    assert f"refit:{first.number}" in study.user_attrs
    # a completed trial that outranks it (same configuration, an unbeatable value), as a later run could add
    study.add_trial(create_trial(state=TrialState.COMPLETE, value=1.0,
                                 user_attrs={**first.user_attrs, "chosen_epochs": 1, "val_loss": 0.0}))
    result = run_cli(*args, "--trials", "2")  # nothing left to run: the search only refits the new rank 1
    assert result.exit_code == 0, result.stderr
    refit = _study("sqlite:///studies/nas.db", "tabular-wine").user_attrs.get("refit:1")
    assert refit is not None and refit["refit_kind"] == "refit" and refit["refit_epochs"] == 1  # its chosen epochs
    assert refit["refit_rows"] == 142 and "best trial 1" in result.stdout  # wine: 80% of 178 rows


def test_baseline_beating_the_chosen_model_is_said_in_one_line(workdir: Path, run_cli, tmp_path: Path) -> None:
    space = tmp_path / "weak.yaml"  # a tiny network barely trained (not depth 0: that is fitted by L-BFGS): LR wins
    space.write_text("family: mlp\nlayers: {depth: 1, width: 2}\ntrain: {optimizer: sgd, lr: 1.0e-5, epochs: 1, batch_size: 64}\n")
    result = run_cli("search", "--task", "tabular", "--dataset", "breast_cancer", "--space", space, "--trials", "1",
                     "--cv", "2", "--no-refit")
    assert result.exit_code == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("the baseline beats the chosen model")]
    assert len(lines) == 1 and "2-fold CV" in lines[0] and "logistic regression" in lines[0]


def test_an_exact_fit_is_not_called_a_loss_to_the_baseline(workdir: Path, run_cli, tmp_path: Path) -> None:
    """`total` is a sum of two columns (FinalFourShort17's `Out` is one of the others): the linear
    trial fits it within float32, least squares exactly; no "prefer the baseline" line."""
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 50, 80), rng.integers(0, 50, 80)
    csv = tmp_path / "sums.csv"
    csv.write_text("a,b,total\n" + "".join(f"{x},{y},{x + y}\n" for x, y in zip(a, b)))
    result = run_cli("search", "--data", csv, "--target", "total", "--trials", "1", "--cv", "2")
    assert result.exit_code == 0, result.stderr
    assert "best trial 0: linear" in result.stdout and "the baseline beats" not in result.stdout
    assert "validation rmse 0.0000 ±" not in result.stdout  # a near-zero error prints its digits


def test_a_linear_regression_path_ends_at_least_squares_and_fits_an_exact_target(workdir: Path, run_cli,
                                                                                  tmp_path: Path) -> None:
    """`t` counts months from year and month (Stat2Data CO2SouthPole's last column): least squares
    fits it exactly, the path's weight decays down to 1e-5 only to ~1e-4 standard deviations. The
    path's last step (weight decay 0, solved in float64: nas.ridge) is chosen, and the shipped
    model is as exact as the baseline (float32 L-BFGS stopped its fold models near 1e-3)."""
    import re

    csv = tmp_path / "months.csv"
    csv.write_text("year,month,t\n" + "".join(f"{y},{m},{12 * (y - 1988) + m}\n"
                                                for y in range(1988, 2008) for m in range(1, 13)))
    result = run_cli("search", "--data", csv, "--target", "t", "--trials", "1", "--cv", "2")
    assert result.exit_code == 0, result.stderr
    assert "best trial 0: linear" in result.stdout and "regularisation path, least squares" in result.stdout
    ours = float(re.search(r"^  test RMSE (\S+),", result.stdout, re.M).group(1))
    base = float(re.search(r"^baseline linear regression: test RMSE (\S+),", result.stdout, re.M).group(1))
    assert ours < max(1e-4, 2 * base) and "the baseline beats" not in result.stdout, (ours, base)  # target sd: 69


def test_holdout_with_cv_1_stores_the_chosen_epochs(workdir: Path, run_cli, mlp_space: Path) -> None:
    result = run_cli("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--trials", "2",
                     "--cv", "1", "--quiet", "--objectives", "accuracy,params")
    assert result.exit_code == 0, result.stderr
    study = _study("sqlite:///studies/nas.db", "tabular-wine")
    assert study.user_attrs["nas"]["cv"] == 1 and "cv" not in study.user_attrs["baseline"]
    from nas.search.selection import choose

    for t in study.get_trials(states=(TrialState.COMPLETE,)):
        pick = choose([t.user_attrs["curve"]], "maximize")
        assert t.values[0] == pick.value and t.user_attrs["chosen_epochs"] == pick.epochs
        assert t.values[1] == t.user_attrs["params"] and "fold_values" not in t.user_attrs  # costs unchanged


def test_a_holdout_study_ships_its_refit_averaged_with_its_search_time_model(workdir: Path, run_cli, mlp_space: Path) -> None:
    from nas.metrics import score
    from nas.ship.source import refit_model, study_data
    from nas.store import artifact_store
    from nas.store.checkpoints import load_checkpoint

    result = run_cli("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--trials", "1",
                     "--cv", "1", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert ", averaged with the search-time model); the search-time model: test accuracy" in result.stdout
    storage = "sqlite:///studies/nas.db"
    study = _study(storage, "tabular-wine")
    info = study.user_attrs["refit:0"]
    assert info["refit_kind"] == "pair" and info["refit_members"] == 2 and info["refit_rows"] == 142
    store = artifact_store(storage, None)
    _, data = study_data(study)
    model, _, _ = refit_model(study, study.trials[0], store, data)
    searched, refit = model.members
    checkpoint = load_checkpoint(study.trials[0], store)  # the first member is the search-time model itself
    assert all(torch.equal(v, checkpoint[k]) for k, v in searched.state_dict().items())
    assert not all(torch.equal(v, checkpoint[k]) for k, v in refit.state_dict().items())
    assert score(model, data.test, data) == info["refit_test"]  # what was scored is what is stored
    from nas.search.refit import build_pair

    for path in Path("studies").rglob(study.trials[0].user_attrs["checkpoint"] + "*"):
        path.unlink()  # the search-time checkpoint is gone: the refit alone, and the record says so
    alone = build_pair(study.trials[0], data, torch.device("cpu"), 0, store)
    assert alone.info["refit_kind"] == "refit" and not hasattr(alone.model, "members")


def test_a_holdout_study_with_a_cost_limit_ships_one_network(workdir: Path, run_cli, mlp_space: Path) -> None:
    result = run_cli("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--trials", "1",
                     "--cv", "1", "--quiet", "--max-params", "100000")
    assert result.exit_code == 0, result.stderr
    assert _study("sqlite:///studies/nas.db", "tabular-wine").user_attrs["refit:0"]["refit_kind"] == "refit"


def test_a_series_study_ships_the_refit_not_an_ensemble_of_past_only_folds(workdir: Path, run_cli, tmp_path: Path) -> None:
    space = tmp_path / "rnn.yaml"  # a tiny GRU: the early folds' models would never see the recent past
    space.write_text("family: rnn\nrnn: {cell: gru, hidden: 8, layers: 1}\ntrain: {epochs: 2, batch_size: 64}\n")
    result = run_cli("search", "--task", "sequence", "--dataset", "sunspots", "--space", space, "--trials", "1", "-q")
    assert result.exit_code == 0, result.stderr
    study = _study("sqlite:///studies/nas.db", "sequence-sunspots")
    assert study.user_attrs["nas"]["cv"] == 5  # automatic: 228 train + validation windows, time-ordered folds
    assert study.user_attrs["refit:0"]["refit_kind"] == "refit" and "(refit on train + validation, " in result.stdout


def test_a_linear_regression_reports_the_weight_decay_its_path_chose(workdir: Path, run_cli, tmp_path: Path) -> None:
    """A depth-0 regression picks its L2 strength on its path (nas.sample.LINEAR_TRAIN): the
    summary names it and `leaderboard --json` stores it, the path's step at the chosen epochs."""
    from nas.sample import path_weight_decay

    space = tmp_path / "linear.yaml"
    space.write_text("family: mlp\nlayers: {depth: 0}\ntrain: {epochs: 2}\n")
    result = run_cli("search", "--task", "tabular", "--dataset", "diabetes", "--space", space, "--trials", "1",
                     "--cv", "3", "--no-refit")
    assert result.exit_code == 0, result.stderr
    assert "on its regularisation path" in result.stdout and "3-fold CV at weight decay" in result.stdout
    row = json.loads(run_cli("leaderboard", "--json").stdout)[0]
    assert 1 <= row["chosen_epochs"] <= PATH_EPOCHS
    assert row["chosen_weight_decay"] == pytest.approx(path_weight_decay(row["chosen_epochs"] - 1, 1e-5))


def test_a_blend_of_trials_is_the_final_model_and_ships(workdir: Path, run_cli, mlp_space: Path) -> None:
    # the same study as above, with ensemble selection asked for: it blends trials
    args = ("search", "--task", "tabular", "--dataset", "wine", "--space", mlp_space, "--seed", "3", "--cv", "2")
    result = run_cli(*args, "--trials", "3", "--blend")
    assert result.exit_code == 0, result.stderr
    best = run_cli("leaderboard", "--json").json()[0]
    blend = best["refit_blend"]
    assert len(blend) >= 2 and blend[0]["trial"] == best["trial"]  # rank 1 first, then the trials it took in
    assert abs(sum(b["weight"] for b in blend) - 1) < 1e-5 and all(b["weight"] > 0 for b in blend)
    assert "blend of trials " in result.stdout and "by ensemble selection, each the ensemble of its fold models" in result.stdout

    exported = run_cli("export", "--format", "state-dict", "--out", "bundle")
    assert exported.exit_code == 0, exported.stderr
    manifest = json.loads((workdir / "bundle" / "manifest.json").read_text())
    assert manifest["metrics"]["test"] == best["refit_test"]  # the bundle is the blend and reproduces its test figure
    assert manifest["checks"]["test_reproduced"]["exact"] is True
    assert [b["trial"] for b in manifest["source"]["refit"]["blend"]] == [b["trial"] for b in blend]
    assert "the blend of trials " in exported.stdout and "each the ensemble of its fold models" in exported.stdout
    from nas.ship.bundle import load_bundle

    model = load_bundle(workdir / "bundle").model
    assert len(model.members) == 2 * len(blend)  # every blended trial's 2 fold models
    assert torch.allclose(model.weights.sum(), torch.tensor(1.0))

    from sklearn.datasets import load_wine

    np.savez(workdir / "new.npz", X=load_wine().data[:4].astype(np.float32))
    predicted = run_cli("predict", "bundle", "new.npz", "--format", "json")
    assert predicted.exit_code == 0, predicted.stderr
    assert len(json.loads(predicted.stdout)) == 4
