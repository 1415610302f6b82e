"""A small real search through the CLI: the store, rebuild from the store alone, resume, ranking,
failure isolation."""
from __future__ import annotations

import json
from pathlib import Path

import optuna
import pytest

from nas.models import build_model, count_params
from nas.store import artifact_store, load_study, open_storage, trial_arch
from nas.store.checkpoints import load_checkpoint

SEARCH = ("search", "--task", "image", "--trials", "3", "--epochs", "1", "--pruner", "none", "--quiet")


@pytest.fixture
def searched(workdir: Path, run_cli, tiny_space: Path):
    result = run_cli(*SEARCH, "--space", tiny_space)
    assert result.exit_code == 0, result.stderr
    return result


def _study():
    return load_study(None, open_storage(None, create=False))


def test_search_stores_complete_trials_that_rebuild_from_the_store(searched) -> None:
    assert "best trial" in searched.stdout and "test accuracy" in searched.stdout
    study = _study()
    assert study.study_name == "image-digits"
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(complete) == 3
    info = study.user_attrs["nas"]
    store = artifact_store()
    for t in complete:
        arch = trial_arch(t)  # plain JSON, no re-sampling
        model = build_model(arch, tuple(info["data"]["input_shape"]), info["data"]["out_dim"])
        assert count_params(model) == t.user_attrs["params"]
        model.load_state_dict(load_checkpoint(t, store))
        assert 0.0 <= t.user_attrs["test"] <= 1.0
        assert len(t.user_attrs["curve"]) == 1 and t.user_attrs["device"] == "cpu"
        assert t.user_attrs["seed"] >= 0 and t.user_attrs["train_seconds"] > 0


def test_second_run_resumes_and_adds_exactly_the_missing_trials(searched, run_cli, tiny_space: Path) -> None:
    again = run_cli(*SEARCH[:4], "5", *SEARCH[5:], "--space", tiny_space)
    assert again.exit_code == 0, again.stderr
    assert "2 trial(s) ran this time" in again.stdout
    study = _study()
    assert [t.number for t in study.trials] == [0, 1, 2, 3, 4]
    # a third run with the same total does nothing
    third = run_cli(*SEARCH[:4], "5", *SEARCH[5:], "--space", tiny_space)
    assert third.exit_code == 0, third.stderr
    assert "0 trial(s) ran this time" in third.stdout and len(_study().trials) == 5


def test_resumed_run_does_not_replay_the_same_architectures(searched, run_cli, tiny_space: Path) -> None:
    resumed = run_cli(*SEARCH[:4], "6", *SEARCH[5:], "--space", tiny_space)
    assert resumed.exit_code == 0, resumed.stderr
    assert "3 trial(s) ran this time" in resumed.stdout
    params = [json.dumps(t.params, sort_keys=True) for t in _study().trials]
    assert params[:3] != params[3:6]


def test_leaderboard_is_sorted_by_validation_metric(searched, run_cli) -> None:
    result = run_cli("leaderboard", "--json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    values = [r["value"] for r in rows]
    assert len(rows) == 3 and values == sorted(values, reverse=True)
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert all(r["summary"].startswith("conv") for r in rows)
    table = run_cli("leaderboard", "--top", "1")
    assert table.exit_code == 0 and "val acc" in table.stdout and "trial" in table.stdout


def test_studies_lists_counts_and_best(searched, run_cli) -> None:
    rows = run_cli("studies", "--json").json()
    assert rows[0]["study"] == "image-digits" and rows[0]["complete"] == 3
    assert rows[0]["best"] == max(r["value"] for r in run_cli("leaderboard", "--json").json())


def test_failing_trial_is_recorded_and_the_search_goes_on(workdir: Path, run_cli, tiny_space: Path, monkeypatch) -> None:
    import nas.search.crossval

    real_fit, calls = nas.search.crossval.fit, []

    def flaky_fit(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("simulated failure in trial")
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(nas.search.crossval, "fit", flaky_fit)
    result = run_cli(*SEARCH, "--space", tiny_space)
    assert result.exit_code == 0, result.stderr
    assert "3 complete" in result.stdout and "1 failed" in result.stdout
    rows = run_cli("leaderboard", "--all", "--json").json()
    failed = [r for r in rows if r["state"] == "fail"]
    assert len(failed) == 1 and failed[0]["reason"] == "RuntimeError: simulated failure in trial"
    assert failed[0]["rank"] is None


def test_diverging_trial_is_recorded_as_failed(workdir: Path, run_cli, tmp_path: Path) -> None:
    space = tmp_path / "diverge.yaml"
    space.write_text("family: mlp\nlayers: {depth: 1, width: 8}\ntrain: {optimizer: sgd, lr: 10.0, epochs: 1, batch_size: 8}\n")
    # the features are standardised, but lr=10 SGD still blows up (a hidden layer: depth 0 is always L-BFGS)
    result = run_cli("search", "--task", "tabular", "--dataset", "diabetes", "--space", space, "--trials", "1", "--quiet")
    rows = run_cli("leaderboard", "--all", "--json").json()
    assert rows and rows[0]["state"] == "fail" and "DivergedError: loss became" in rows[0]["reason"]
    assert result.exit_code == 0 and "stopped early" in result.stdout


def test_changed_space_is_refused_with_what_changed(searched, run_cli, tiny_space: Path) -> None:
    tiny_space.write_text(tiny_space.read_text().replace("channels: [4, 8]", "channels: [4, 8, 16]"))
    result = run_cli(*SEARCH, "--space", tiny_space)
    assert result.exit_code == 2
    assert "blocks.channels: [4, 8] -> [4, 8, 16]" in result.stderr and "--study NEW" in result.stderr


def test_leaderboard_order_follows_direction_for_regression(workdir: Path, run_cli, tmp_path: Path) -> None:
    space = tmp_path / "lin.yaml"
    space.write_text("family: mlp\nlayers: {depth: [0, 1], width: 8}\ntrain: {lr: {low: 1.0e-3, high: 1.0e-1, log: true}, epochs: 2}\n")
    result = run_cli("search", "--task", "tabular", "--dataset", "diabetes", "--space", space,
                     "--trials", "3", "--pruner", "none", "--quiet")
    assert result.exit_code == 0, result.stderr
    assert "test rmse" in result.stdout
    values = [r["value"] for r in run_cli("leaderboard", "--json").json()]
    assert values == sorted(values)  # RMSE: lower is better
    assert _study().direction == optuna.study.StudyDirection.MINIMIZE


def test_threads_flag_sets_the_trials_cpu_threads(workdir: Path, run_cli, tiny_space: Path) -> None:
    result = run_cli(*SEARCH[:4], "1", *SEARCH[5:], "--space", tiny_space, "--threads", "1")
    assert result.exit_code == 0, result.stderr
    assert [t.user_attrs["threads"] for t in _study().trials] == [1]


def test_stop_flag_stops_a_trial_whose_next_epoch_would_end_past_the_deadline() -> None:
    """The budget holds by epochs: a trial stops once its last epoch's duration no longer fits
    before the deadline (so the final model keeps its reserved time), not after overrunning it;
    but never while the study has no completed trial to answer with: that one is told to end its
    training as it stands (True), and completes."""
    import time

    from nas.search.loop import Interrupted, StopFlag

    flag = StopFlag(deadline=time.time() + 5)
    assert flag.check(1.0) is False  # one more 1-second epoch fits
    with pytest.raises(Interrupted):
        flag.check(10.0)  # a 10-second one does not
    flag.answered = lambda: False
    assert flag.check(1.0) is False and flag.check(10.0) is True  # no completed trial yet: end it, keep it
