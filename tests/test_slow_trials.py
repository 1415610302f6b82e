"""A trial too slow for the time left (nas.search.objective.Objective._too_slow): stopped after its
second epoch, its reason stored and said, not counted toward --trials, never reused as a repeat's
result; never the study's first trial, and never without a time budget."""
from __future__ import annotations

from pathlib import Path

import optuna
import pytest
from tests.conftest import TINY_CNN

import nas.search.objective as objective


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
