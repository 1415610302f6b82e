"""Prescreening (nas/prescreen.py): only the best-scoring candidate of each slot ever reaches the objective."""
from __future__ import annotations

import json
import math
from typing import Any

import optuna
import pytest
import torch

from nas.arch import Arch
from nas.errors import UsageError
from nas.search.evolution import MUTATED_ATTR, PARENT_ATTR, EvolutionSampler
from nas.search.prescreen import CHOSEN_ATTR, REPEAT, SCORES_ATTR, PrescreenSampler, proxy_scorer
from nas.sample import sample_arch
from nas.space import parse_space

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = parse_space({
    "family": "cnn",
    "blocks": {"depth": {"low": 1, "high": 3}, "channels": [4, 8, 16], "kernel": [3, 5],
               "dropout": {"low": 0.0, "high": 0.3}},
    "head": {"hidden": [0, 16]},
    "train": {"lr": {"low": 1e-3, "high": 1e-2, "log": True}, "epochs": 1},
})


class Recorder:
    """A score (total channels, plus a tie-breaking bit of dropout) that logs every candidate."""

    def __init__(self) -> None:
        self.scored: list[tuple[str, float]] = []

    def __call__(self, arch: Arch) -> float:
        blocks = arch.sections["blocks"]
        value = sum(b["channels"] for b in blocks) + sum(b["dropout"] for b in blocks)
        self.scored.append((arch.to_json(), value))
        return value


def _search(inner: optuna.samplers.BaseSampler, candidates: int, trials: int) -> tuple[optuna.Study, Recorder, list[str]]:
    recorder, trained = Recorder(), []

    def objective(trial: Any) -> float:  # stands in for build + train: logs what would be trained
        arch = sample_arch(SPACE, trial)
        trained.append(arch.to_json())
        return float(len(arch.sections["blocks"]))

    study = optuna.create_study(direction="maximize", sampler=PrescreenSampler(inner, SPACE, recorder, candidates))
    study.optimize(objective, n_trials=trials)
    return study, recorder, trained


@pytest.mark.parametrize("inner", [lambda: optuna.samplers.RandomSampler(seed=0),
                                   lambda: EvolutionSampler(population_size=4, tournament_size=2, seed=0),
                                   lambda: optuna.samplers.TPESampler(seed=0, multivariate=True, group=True,
                                                                      n_startup_trials=3, constant_liar=True)],
                         ids=["random", "evolution", "tpe"])
def test_only_the_best_candidate_of_each_slot_is_trained(inner: Any) -> None:
    candidates, trials = 4, 10
    study, recorder, trained = _search(inner(), candidates, trials)
    assert len(study.trials) == len(trained) == trials  # screened-out candidates are not trials
    scored = iter(recorder.scored)
    for n, t in enumerate(study.trials):
        shown = t.system_attrs[SCORES_ATTR]
        assert len(shown) == candidates
        slot = {i: next(scored) for i, s in enumerate(shown) if s != REPEAT}  # repeats are not scored
        assert [round(v, 6) for _, v in slot.values()] == [s for s in shown if s != REPEAT]
        best = max(slot, key=lambda i: (slot[i][1], -i))
        assert t.system_attrs[CHOSEN_ATTR] == best
        assert trained[n] == slot[best][0]  # the trial ran the winner, and nothing else was trained
    assert next(scored, None) is None


def test_a_candidate_that_repeats_a_trial_is_not_chosen_while_new_ones_are_left() -> None:
    space = parse_space({"family": "cnn", "blocks": {"depth": 1, "channels": [4, 8, 16], "kernel": [3, 5]},
                         "train": {"lr": 0.01, "epochs": 1}})
    trained: list[str] = []

    def objective(trial: Any) -> float:
        trained.append(sample_arch(space, trial).to_json())
        return 0.0

    score = lambda arch: float(arch.sections["blocks"][0]["channels"])  # noqa: E731 - prefers the widest
    study = optuna.create_study(sampler=PrescreenSampler(optuna.samplers.RandomSampler(seed=0), space, score, 30))
    study.optimize(objective, n_trials=6)
    assert len(set(trained)) == 6  # all six configurations, widest first, none twice
    assert [json.loads(a)["blocks"][0]["channels"] for a in trained[:2]] == [16, 16]
    for t in study.trials:
        shown = t.system_attrs[SCORES_ATTR]
        assert shown[t.system_attrs[CHOSEN_ATTR]] != REPEAT


def test_evolution_records_the_parent_of_the_candidate_that_ran() -> None:
    study, _, _ = _search(EvolutionSampler(population_size=4, tournament_size=2, seed=1), 3, 14)
    children = [t for t in study.trials if PARENT_ATTR in t.system_attrs]
    assert len(children) >= 8
    for child in children:
        parent = study.trials[child.system_attrs[PARENT_ATTR]]
        changed = {k for k in child.params if k in parent.params and child.params[k] != parent.params[k]}
        assert changed <= set(child.system_attrs[MUTATED_ATTR])  # the lineage is the winner's, not the last drawn


def test_an_enqueued_configuration_runs_as_given_without_screening() -> None:
    recorder = Recorder()
    study = optuna.create_study(direction="maximize",
                                sampler=PrescreenSampler(optuna.samplers.RandomSampler(seed=0), SPACE, recorder, 5))
    fixed = {"blocks.depth": 1, "blocks.0.channels": 4, "blocks.0.kernel": 3, "blocks.0.dropout": 0.0,
             "head.hidden": 0, "train.lr": 0.005}
    study.enqueue_trial(fixed)
    study.optimize(lambda t: float(len(sample_arch(SPACE, t).sections["blocks"])), n_trials=1)
    assert study.trials[0].params == fixed and recorder.scored == []
    assert CHOSEN_ATTR not in study.trials[0].system_attrs


def test_an_unscorable_candidate_is_never_chosen() -> None:
    calls: list[int] = []

    def score(arch: Arch) -> float:
        calls.append(1)
        if len(calls) % 2:
            raise RuntimeError("cannot build")
        return float(len(calls))

    study = optuna.create_study(sampler=PrescreenSampler(optuna.samplers.RandomSampler(seed=0), SPACE, score, 2))
    study.optimize(lambda t: float(len(sample_arch(SPACE, t).sections["blocks"])), n_trials=3)
    assert [t.system_attrs[CHOSEN_ATTR] for t in study.trials] == [1, 1, 1]
    assert study.trials[0].system_attrs[SCORES_ATTR] == [None, 2.0]


def test_proxy_scorer_is_deterministic_and_leaves_the_global_generator_alone() -> None:
    arch = sample_arch(SPACE, optuna.trial.FixedTrial({
        "blocks.depth": 2, "blocks.0.channels": 8, "blocks.0.kernel": 3, "blocks.0.dropout": 0.1,
        "blocks.1.channels": 16, "blocks.1.kernel": 5, "blocks.1.dropout": 0.0, "head.hidden": 16, "train.lr": 0.01}))
    batches: list[int] = []

    def batch() -> torch.Tensor:
        batches.append(1)
        return torch.randn((8, 1, 8, 8), generator=torch.Generator().manual_seed(0))

    score = proxy_scorer("params", (1, 8, 8), 10, batch, seed=3)
    torch.manual_seed(7)
    expected = torch.rand(2)
    torch.manual_seed(7)
    first = score(arch)
    assert torch.equal(torch.rand(2), expected)
    assert math.isfinite(first) and score(arch) == first and batches == [1]
    small = proxy_scorer("params", (1, 8, 8), 10, batch, feasible=lambda m: sum(p.numel() for p in m.parameters()) < 100)
    assert small(arch) == -math.inf  # over the limit: never preferred


def test_fewer_than_one_candidate_is_refused() -> None:
    with pytest.raises(UsageError, match="--prescreen: must be at least 1"):
        PrescreenSampler(optuna.samplers.RandomSampler(), SPACE, lambda arch: 0.0, 0)


def test_cli_prescreen_trains_the_best_of_n_candidates(workdir, run_cli, tiny_space) -> None:  # noqa: ANN001
    """`nas search --prescreen 4`: every trial records the scores of its 4 candidates and trains the
    one with the most parameters; with a params objective it is refused in one line."""
    import optuna

    result = run_cli("search", "--space", tiny_space, "--trials", 3, "--prescreen", 4, "--threads", 1, "-q")
    assert result.exit_code == 0, result.stderr
    trials = optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db").trials
    assert len(trials) == 3  # screened-out candidates are never stored as trials
    for t in trials:
        scores = [s for s in t.system_attrs["prescreen:scores"] if s is not None]
        assert len(t.system_attrs["prescreen:scores"]) == 4 and t.user_attrs["params"] == max(scores)
    refused = run_cli("search", "--space", tiny_space, "--trials", 3, "--prescreen", 4, "--objectives", "accuracy,params",
                      "--study", "other")
    assert refused.exit_code == 2 and refused.stderr.startswith("error: --prescreen:")
