"""A trial too slow for the time left (nas.search.objective.Objective._too_slow): stopped after its
second epoch, its reason stored and said, not counted toward --trials, never reused as a repeat's
result; never the study's first trial, and never without a time budget."""
from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from tests.conftest import TINY_CNN

import nas.search.objective as objective
from nas.arch import Arch


def _space(workdir: Path) -> Path:
    path = workdir / "three_epochs.yaml"
    path.write_text(TINY_CNN.replace("epochs: 1", "epochs: 3"))
    return path


def test_a_trial_too_slow_for_the_time_left_is_stopped_said_and_not_counted(workdir: Path, run_cli,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """With no share of the time left allowed (SLOW_SHARE 0), every trial after the first is too
    slow: each stops after 2 of its 3 epochs with its reason, none counts, so the search runs to
    its budget; the first trial (no answer yet) trains in full and ships. Without a budget the
    rule never applies."""
    monkeypatch.setattr(objective, "SLOW_SHARE", 0.0)
    space = _space(workdir)
    out = run_cli("search", "--space", space, "--trials", 3, "--cv", 1, "--threads", 1, "--timeout", "12s")
    assert out.exit_code == 0, out.stderr
    trials = optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db").trials
    first, slow = trials[0], [t for t in trials if "too_slow" in t.user_attrs]
    assert first.state == optuna.trial.TrialState.COMPLETE and len(first.user_attrs["curve"]) == 3
    assert slow and all(t.state == optuna.trial.TrialState.PRUNED and len(t.user_attrs["curve"]) == 2 for t in slow)
    assert sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials) == 1
    reason = slow[0].user_attrs["too_slow"]
    assert reason.startswith("too slow for the time budget: ") and "for its 1 epoch to go, more than 0% of the" in reason
    assert f"trial {slow[0].number} pruned: {reason} | " in out.stdout
    assert f"{len(slow)} of the pruned too slow for the time left (stopped after 2 epochs, not counted)" in out.stdout
    assert "stopped early: time budget reached" in out.stdout and "best trial 0:" in out.stdout
    again = run_cli("search", "--space", space, "--trials", 3, "--cv", 1, "--threads", 1, "--timeout", "none")
    assert again.exit_code == 0, again.stderr
    trials = optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db").trials
    assert sum(t.state == optuna.trial.TrialState.COMPLETE for t in trials) == 3  # no budget: trained in full
    repeats = [t for t in trials if t.user_attrs.get("duplicate_of") in {s.number for s in slow}]
    assert not repeats  # a configuration stopped as too slow is trained again, never reused


ROCKET = {"family": "rocket", "rocket": {"features": 1000, "max_dilations": 32, "max": False},
          "head": {"hidden": 0, "activation": "relu", "dropout": 0.0}}


def _network(study: optuna.Study, layers: list[dict] | None, epochs: int, ran: list[int], patience: int = 20,
             **user: object) -> None:
    """A completed trial of `study` whose folds trained `ran` epochs each of its `epochs`: an mlp
    of `layers`, or a rocket network (None)."""
    net = ROCKET if layers is None else {"family": "mlp", "layers": layers, "head": {"wide": False}}
    arch = {"version": 1, **net, "train": {"optimizer": "adamw", "epochs": epochs, "patience": patience}}
    attrs = {"arch": arch, "fold_curves": [[0.5] * n for n in ran], "curve": [0.5] * max(ran), **user}
    study.add_trial(optuna.trial.create_trial(value=0.5, user_attrs=attrs))


def test_epochs_to_go_are_counted_at_the_share_patience_left_the_completed_networks() -> None:
    """A large table's candidates are not all stopped as too slow: patience ends most fits long
    before the space's 200 epochs, so a new trial's epochs to go are its limit at the median share
    the study's completed networks of its family ran (of every family while its own has none;
    linear trials, reused repeats, unfinished trials and those without a patience, which run to
    their limit, left out). Before any network completed, or for a trial without a patience,
    every epoch of the limit counts."""
    from nas.search.objective import epochs_share

    study = optuna.create_study(direction="maximize")
    layer = {"width": 16, "activation": "relu", "norm": "none", "dropout": 0.0}
    assert epochs_share(study, "mlp") is None
    _network(study, [], 14, [14])  # the linear trial: a fixed path, no patience
    _network(study, [layer], 200, [200], patience=0)  # runs to its limit whatever it learns
    study.add_trial(optuna.trial.create_trial(state=optuna.trial.TrialState.PRUNED, user_attrs={"curve": [0.5] * 2}))
    assert epochs_share(study, "mlp") is None
    _network(study, [layer], 200, [20, 40])  # folds: the mean of 20 and 40 epochs, 15%
    _network(study, [layer, layer], 100, [50])  # 50%
    _network(study, [layer], 200, [200])  # ran to its limit
    _network(study, [layer], 200, [200], duplicate_of=5)  # a repeat reused trial 5's result: not counted again
    assert epochs_share(study, "mlp") == (pytest.approx(0.5), "completed mlp trials")
    _network(study, [layer], 200, [30])
    assert epochs_share(study, "mlp") == (pytest.approx((0.15 + 0.5) / 2), "completed mlp trials")
    assert epochs_share(study, "conv1d") == (pytest.approx((0.15 + 0.5) / 2), "completed trials")  # none of its own
    _network(study, None, 8, [8, 6], patience=3)  # a rocket head runs most of its few epochs
    assert epochs_share(study, "rocket") == (pytest.approx(7 / 8), "completed rocket trials")
    assert epochs_share(study, "mlp")[0] == pytest.approx((0.15 + 0.5) / 2)

    trial = study.ask()
    judge = type("Judge", (), {"seconds_left": staticmethod(lambda: 100.0), "folds": 1})()
    slow = objective.Objective._too_slow

    def mlp(patience: int) -> Arch:
        return Arch("mlp", {"layers": [layer]}, {"epochs": 200, "patience": patience})

    # 198 epochs to go at its limit, 63 at the share (ceil(0.325 * 200) = 65, less the 2 trained)
    assert slow(judge, trial, 0.5, mlp(20)) is None  # 32 s of the 50 allowed: it trains
    assert slow(judge, trial, 0.5, mlp(0)).startswith(
        "too slow for the time budget: 0.5 s an epoch, about 99 s for its 198 epochs to go, more than 50%")  # no patience
    reason = slow(judge, trial, 1.0, mlp(20))
    assert reason == ("too slow for the time budget: 1.0 s an epoch, about 63 s for its 63 epochs to go (patience "
                      "ended the study's completed mlp trials at 32% of their epochs), more than 50% of the 100 s left "
                      "for trials")
    assert study.trials[trial.number].user_attrs["too_slow"] == reason
