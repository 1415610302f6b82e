"""Which trial is rank 1 (nas.store.leaderboard.ranked_trials): ties broken by the validation loss,
and the one-standard-error rule over cross-validated trials, fold by fold, within a classifier's
family; what the summary and the progress lines say of it. Trials are made by hand: no training."""
from __future__ import annotations

from typing import Any

import optuna
import pytest
from optuna.trial import TrialState, create_trial


def test_ties_are_broken_by_validation_loss_not_trial_number() -> None:
    from nas.store import ranked_trials

    study = optuna.create_study(direction="maximize")
    for value, loss in ((1.0, 0.30), (1.0, 0.05), (0.9, 0.01), (1.0, 0.10)):
        study.add_trial(create_trial(state=TrialState.COMPLETE, value=value, user_attrs={"val_loss": loss}))
    assert [t.number for t in ranked_trials(study)] == [1, 3, 0, 2]


def test_one_standard_error_rule_ships_the_smallest_model_within_the_noise() -> None:
    from nas.store import ranked_trials

    def cv(value: float, params: int, std: float = 0.02, folds: int = 5) -> Any:
        return create_trial(state=TrialState.COMPLETE, value=value,
                            user_attrs={"val_loss": 1 - value, "params": params, "folds": folds, "fold_std": std})

    study = optuna.create_study(direction="maximize")
    # best 0.95 with std 0.02 over 5 folds: standard error 0.01, so 0.94 and up are within the noise
    for trial in (cv(0.95, 5000), cv(0.945, 900), cv(0.941, 300), cv(0.93, 10), cv(0.948, 2000)):
        study.add_trial(trial)
    assert [t.number for t in ranked_trials(study)] == [2, 0, 4, 1, 3]  # the chosen first, then by value
    holdout = optuna.create_study(direction="minimize")  # no folds: no standard error, plain order
    for value, params in ((50.0, 5000), (50.1, 10)):
        holdout.add_trial(create_trial(state=TrialState.COMPLETE, value=value, user_attrs={"params": params}))
    assert [t.number for t in ranked_trials(holdout)] == [0, 1]
    rmse = optuna.create_study(direction="minimize")  # RMSE: within = at most best + SE
    for value, params in ((53.3, 1569), (54.0, 11), (54.2, 5)):
        rmse.add_trial(create_trial(state=TrialState.COMPLETE, value=value,
                                    user_attrs={"params": params, "folds": 5, "fold_std": 1.6}))
    assert [t.number for t in ranked_trials(rmse)] == [1, 0, 2]  # SE 0.8: 54.0 is within, 54.2 is not


def test_one_standard_error_rule_compares_trials_fold_by_fold() -> None:
    """Trials scored on the same folds are compared by the standard error of their difference:
    grunfeld-like folds (RMSE 30 to 70 by fold) make the error of the best mean 7.1, but a linear
    model worse by 5-6 on every fold is worse beyond doubt (paired error 0.24), while one that is
    worse on some folds and better on others (mean +0.6, paired error 1.4) is within the noise."""
    from nas.store import ranked_trials

    def cv(folds: list[float], params: int) -> Any:
        mean = sum(folds) / len(folds)
        std = (sum((f - mean) ** 2 for f in folds) / len(folds)) ** 0.5
        return create_trial(state=TrialState.COMPLETE, value=mean, user_attrs={
            "params": params, "folds": len(folds), "fold_std": std, "fold_values": folds})

    best = [50.0, 60.0, 40.0, 70.0, 30.0]
    steadily_worse = [f + d for f, d in zip(best, (5, 6, 5, 6, 5))]
    study = optuna.create_study(direction="minimize")
    for trial in (cv(best, 2305), cv(steadily_worse, 15)):
        study.add_trial(trial)
    assert ranked_trials(study)[0].number == 0  # the unpaired rule (SE 7.1) would ship the linear model
    study.add_trial(cv([f + d for f, d in zip(best, (3, -2, 4, -3, 1))], 289))
    assert [t.number for t in ranked_trials(study)] == [2, 0, 1]
    legacy = optuna.create_study(direction="minimize")  # stored without fold values: the error of the best mean
    for folds, params in ((best, 2305), (steadily_worse, 15)):
        trial = cv(folds, params)
        del trial.user_attrs["fold_values"]
        legacy.add_trial(trial)
    assert ranked_trials(legacy)[0].number == 1


def test_one_standard_error_rule_keeps_a_classifiers_family_and_crosses_families_for_regression() -> None:
    """A parameter count compares models of one family: a classifier's rule picks the smallest
    rocket within the noise, not logistic regression on raw values (UCR GunPoint: 0.99 against
    0.77 on test); a regression's rule still ships the linear model, the classical forecaster."""
    from nas.store import attrs, ranked_trials
    from nas.store.records import StudyRecord

    def cv(value: float, params: int, family: str) -> Any:
        return create_trial(state=TrialState.COMPLETE, value=value,
                            user_attrs={"params": params, "folds": 5, "fold_std": 0.05, "arch": {"family": family}})

    trials = ((0.98, 20_000, "rocket"), (0.97, 12_000, "rocket"), (0.96, 302, "mlp"), (0.90, 100, "rocket"))
    for kind, direction, chosen in (("classification", "maximize", 1), ("regression", "minimize", 2)):
        study = optuna.create_study(direction=direction)
        study.set_user_attr(attrs.STUDY_RECORD, StudyRecord(data={"kind": kind}).to_dict())
        for value, params, family in trials:  # as RMSE: 0.02 is best, 0.04 within one SE (0.025)
            study.add_trial(cv(value if kind == "classification" else 1 - value, params, family))
        assert ranked_trials(study)[0].number == chosen, kind


@pytest.mark.parametrize("family_scope", [True, False])
def test_summary_says_which_trial_the_one_se_rule_passed_over(family_scope: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary names the leader the rule passed over and whether it chose within its family
    (classification) or across families (regression)."""
    import io

    from rich.console import Console

    import nas.commands.search as command
    from nas.search.events import SearchResult

    out = io.StringIO()
    monkeypatch.setattr(command, "console", Console(file=out, width=400))
    row = {"trial": 4, "summary": "rocket 5000f-32d ppv", "value": 0.96, "params": 9914, "seconds": 0.5,
           "fold_std": 0.02, "chosen_epochs": 2, "test": 0.97, "test_metrics": None, "refit_test": None}
    leader = {**row, "trial": 9, "value": 0.98, "params": 19994}
    result = SearchResult(study="s", storage="sqlite:///x.db", metric="accuracy", direction="maximize", total=20,
                          complete=20, ran=20, best=row, leader=leader, leader_family=family_scope, folds=5)
    command._print_summary(result)
    text = out.getvalue()
    scope = " of its family" if family_scope else ""
    assert (f"chosen by the one-standard-error rule: the fewest parameters{scope} within one standard error of the "
            "best validation accuracy (fold by fold), trial 9's 0.9800 (19,994 parameters)") in text
    assert "best trial 4: rocket 5000f-32d ppv" in text and "0.9600 ± 0.02 (5-fold CV at 2 epochs)" in text


def test_a_trial_pruned_after_its_first_fold_says_its_value_is_that_folds() -> None:
    """A pruned cross-validated trial's value is its last fold's score, which can look better than
    the best mean over all folds (covid: pruned at 0.0319 beside a best of 0.0386): the line says so."""
    from rich.console import Console

    from nas.commands._progress import PlainObserver
    from nas.store.leaderboard import trial_row

    console = Console(record=True, width=200)
    observer = PlainObserver(console)
    observer.metric, observer.total = "rmse", 20
    pruned = create_trial(state=TrialState.PRUNED, value=0.0319, intermediate_values={0: 0.0319},
                          user_attrs={"summary": "fc32-gelu", "fold_curves": [[0.05, 0.0319]]})
    complete = create_trial(state=TrialState.COMPLETE, value=0.0386,
                            user_attrs={"summary": "fc16-relu", "fold_curves": [[0.04]] * 5})
    observer.trial_finished({**trial_row(complete), "trial": 1})
    observer.trial_finished({**trial_row(pruned), "trial": 2})
    lines = console.export_text().splitlines()
    assert "trial 1 complete: rmse 0.0386 | fc16-relu" in lines[0]
    assert "trial 2 pruned: rmse 0.0319 on fold 1 | fc32-gelu" in lines[1]
