"""Duplicate configurations are not trained twice: they reuse the earlier trial's result."""
from __future__ import annotations

from pathlib import Path

import pytest

ONE_CONFIG = """\
family: cnn
blocks:
  depth: 1
  channels: 4
  kernel: 3
  pool: max
head:
  hidden: 0
train:
  lr: 0.005
  batch_size: 128
  epochs: 1
"""


def _arch(lr: float = 0.005) -> object:
    from nas.arch import Arch

    return Arch.from_dict({"family": "cnn", "blocks": [{"channels": 4}], "head": {"hidden": 0},
                           "train": {"lr": lr, "epochs": 2}})


def _finished(study, arch, state, values):  # noqa: ANN001, ANN202
    trial = study.ask()
    trial.set_user_attr("arch", arch.to_dict())
    trial.set_user_attr("test", 0.5)
    trial.set_user_attr("checkpoint", "abc")
    for step, v in enumerate(values):
        trial.report(v, step)
    study.tell(trial, values[-1] if state.name == "COMPLETE" else None, state=state)
    return trial.number


def test_search_trains_a_repeated_config_once(workdir: Path, run_cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A one-configuration space: one model is trained; its repeats reuse it, do not count toward
    --trials, and the search stops once the sampler has proposed nothing new for
    MAX_CONSECUTIVE_REPEATS trials in a row, saying why. The leaderboard lists the configuration once."""
    import json

    import optuna

    import nas.search.crossval
    from nas.search.config import MAX_CONSECUTIVE_REPEATS

    calls = []
    real_fit = nas.search.crossval.fit
    monkeypatch.setattr(nas.search.crossval, "fit", lambda *a, **k: calls.append(1) or real_fit(*a, **k))
    space = workdir / "one.yaml"
    space.write_text(ONE_CONFIG)
    result = run_cli("search", "--space", space, "--trials", 3, "--cv", 1, "--no-refit")
    assert result.exit_code == 0, result.stderr
    assert len(calls) == 1
    assert "trial 1 complete:" in result.stdout and "(repeat of trial 0, not counted)" in result.stdout
    assert (f"stopped early: the sampler proposed {MAX_CONSECUTIVE_REPEATS} finished configurations in a row: "
            "the space looks exhausted (1 configurations trained)") in result.stdout
    assert f"{MAX_CONSECUTIVE_REPEATS} of them repeats of a finished configuration" in result.stdout
    study = optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db")
    first, *repeats = study.trials
    assert len(repeats) == MAX_CONSECUTIVE_REPEATS
    assert "duplicate_of" not in first.user_attrs
    for t in repeats:
        assert t.state.name == "COMPLETE"
        assert t.user_attrs["duplicate_of"] == 0
        assert t.value == first.value
        assert t.user_attrs["checkpoint"] == first.user_attrs["checkpoint"]
        assert t.user_attrs["test"] == first.user_attrs["test"]
    ranked = json.loads(run_cli("leaderboard", "--json").stdout)
    assert [r["trial"] for r in ranked] == [0]
    listed = json.loads(run_cli("leaderboard", "--json", "--all").stdout)
    assert [r["reason"] for r in listed[1:]] == ["repeat of trial 0: its result reused"] * MAX_CONSECUTIVE_REPEATS


TWO_CONFIGS = ONE_CONFIG.replace("lr: 0.005", "lr: [0.005, 0.01]")


def test_repeats_do_not_use_up_the_trial_budget(workdir: Path, run_cli) -> None:
    """--trials counts trained configurations: with two in the space, --trials 2 trains both
    however often the sampler repeats the first, and a resumed search counts the same way."""
    import optuna

    space = workdir / "two.yaml"
    space.write_text(TWO_CONFIGS)
    result = run_cli("search", "--space", space, "--trials", 2, "--cv", 1, "--no-refit", "--sampler", "random")
    assert result.exit_code == 0, result.stderr
    study = optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db")
    trained = [t for t in study.trials if "duplicate_of" not in t.user_attrs]
    assert sorted(t.params["train.lr"] for t in trained) == [0.005, 0.01]
    again = run_cli("search", "--space", space, "--trials", 2, "--cv", 1, "--no-refit")
    assert "resuming study 'image-digits'" in again.stdout and "2/2 trials done" in again.stdout
    assert "0 trial(s) ran this time" in again.stdout


def test_repeat_of_pruned_trial_is_pruned_with_its_curve() -> None:
    import optuna
    from optuna.trial import TrialState

    from nas.search.dedup import DuplicateIndex

    study = optuna.create_study(direction="maximize")
    original = _finished(study, _arch(), TrialState.PRUNED, [0.2, 0.3])
    trial = study.ask()
    with pytest.raises(optuna.TrialPruned, match=f"duplicate of trial {original}"):
        DuplicateIndex().reuse(trial, _arch())
    study.tell(trial, state=TrialState.PRUNED)
    repeat = study.trials[-1]
    assert repeat.user_attrs["duplicate_of"] == original
    assert repeat.intermediate_values == {0: 0.2, 1: 0.3}


def test_different_or_failed_configs_are_trained() -> None:
    import optuna
    from optuna.trial import TrialState

    from nas.search.dedup import DuplicateIndex

    study = optuna.create_study(direction="maximize")
    index = DuplicateIndex()
    _finished(study, _arch(lr=0.005), TrialState.COMPLETE, [0.9])
    _finished(study, _arch(lr=0.01), TrialState.FAIL, [0.1])
    assert index.reuse(study.ask(), _arch(lr=0.02)) is None  # new knobs: train
    assert index.reuse(study.ask(), _arch(lr=0.01)) is None  # only a failed twin: train again
    reused = study.ask()
    assert index.reuse(reused, _arch(lr=0.005)) == 0.9
    assert reused.user_attrs == {"test": 0.5, "checkpoint": "abc", "duplicate_of": 0}
