"""Aging evolution (nas/evolution.py): conditional mutation, tournament rules, storage and resume."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.study import StudyDirection
from optuna.trial import TrialState, create_trial

from nas.errors import UsageError
from nas.search.evolution import (MUTATED_ATTR, PARENT_ATTR, EvolutionSampler, best_of, default_sizes, mutate,
                           tournament)
from nas.sample import sample_arch
from nas.space import parse_space

optuna.logging.set_verbosity(optuna.logging.WARNING)

SPACE = parse_space({
    "family": "cnn",
    "blocks": {"depth": {"low": 1, "high": 3}, "channels": [4, 8, 16], "kernel": [3, 5],
               "dropout": {"low": 0.0, "high": 0.3}},
    "head": {"hidden": [0, 16]},
    "train": {"lr": {"low": 1e-3, "high": 1e-2, "log": True}, "batch_size": [32, 64], "epochs": 1},
})
MAX = [StudyDirection.MAXIMIZE]


def _score(trial: Any) -> float:
    """A cheap stand-in for training: wide, deep networks score higher."""
    arch = sample_arch(SPACE, trial)
    return float(sum(b["channels"] for b in arch.sections["blocks"]))


def _parent_study(depth: int, sampler: EvolutionSampler) -> optuna.Study:
    """A study whose whole population is one architecture of `depth` blocks (distinct kernels per
    block, so copies are traceable)."""
    study = optuna.create_study(direction="maximize", sampler=sampler)
    params: dict[str, Any] = {"blocks.depth": depth}
    for i in range(depth):
        params |= {f"blocks.{i}.channels": [4, 8, 16][i], f"blocks.{i}.kernel": 5, f"blocks.{i}.dropout": 0.1}
    for _ in range(sampler.population_size):
        study.enqueue_trial(params)
    study.optimize(_score, n_trials=sampler.population_size)
    return study


def _child(study: optuna.Study, sampler: EvolutionSampler, mutated: set[str], monkeypatch) -> optuna.trial.FrozenTrial:
    monkeypatch.setattr(sampler, "_pick_mutations", lambda parent: frozenset(mutated))
    study.optimize(_score, n_trials=1)
    return study.trials[-1]


def test_growing_depth_adds_blocks_that_copy_the_block_below(monkeypatch) -> None:
    sampler = EvolutionSampler(population_size=3, tournament_size=2, seed=1)
    study = _parent_study(1, sampler)
    child = _child(study, sampler, {"blocks.depth"}, monkeypatch)
    parent = study.trials[child.system_attrs[PARENT_ATTR]]
    depth = child.params["blocks.depth"]
    assert depth > 1 and parent.params["blocks.depth"] == 1
    for i in range(1, depth):  # new blocks copy block 0 of the child (the nearest lower block)
        assert child.params[f"blocks.{i}.channels"] == child.params["blocks.0.channels"] == 4
        assert child.params[f"blocks.{i}.kernel"] == 5 and child.params[f"blocks.{i}.dropout"] == 0.1
    assert {k: v for k, v in child.params.items() if k in parent.params and k != "blocks.depth"} == \
        {k: v for k, v in parent.params.items() if k != "blocks.depth"}
    assert child.system_attrs[MUTATED_ATTR] == ["blocks.depth"]


def test_shrinking_depth_leaves_no_stale_block_parameter(monkeypatch) -> None:
    sampler = EvolutionSampler(population_size=3, tournament_size=2, seed=2)
    study = _parent_study(3, sampler)
    child = _child(study, sampler, {"blocks.depth"}, monkeypatch)
    depth = child.params["blocks.depth"]
    assert depth < 3
    stored = optuna.load_study(study_name=study.study_name, storage=study._storage).trials[-1]
    blocks = {int(k.split(".")[1]) for k in stored.params if k.startswith("blocks.") and k != "blocks.depth"}
    assert blocks == set(range(depth))  # nothing of the dropped blocks survives
    assert len(stored.params) == 1 + 3 * depth + 3  # depth, 3 per block, head.hidden, lr, batch size


def test_mutating_a_block_parameter_changes_only_that_parameter(monkeypatch) -> None:
    sampler = EvolutionSampler(population_size=3, tournament_size=2, seed=3)
    study = _parent_study(2, sampler)
    child = _child(study, sampler, {"blocks.1.kernel", "train.lr"}, monkeypatch)
    parent = study.trials[child.system_attrs[PARENT_ATTR]]
    changed = {k for k in parent.params if child.params[k] != parent.params[k]}
    assert changed == {"blocks.1.kernel", "train.lr"} and child.params["blocks.1.kernel"] == 3
    assert set(child.params) == set(parent.params)


@pytest.mark.parametrize("dist, value", [
    (CategoricalDistribution(["relu", "gelu", "silu"]), "gelu"),
    (CategoricalDistribution([0, 64, 128]), 0),
    (IntDistribution(1, 3), 1),
    (IntDistribution(1, 3), 3),
    (IntDistribution(16, 256, step=16), 256),
    (IntDistribution(8, 512, log=True), 8),
    (FloatDistribution(1e-4, 1e-1, log=True), 1e-3),
    (FloatDistribution(0.0, 0.5, step=0.1), 0.0),
    (FloatDistribution(0.0, 0.3), 0.3),
])
def test_mutation_gives_another_value_inside_the_distribution(dist: Any, value: Any) -> None:
    rng = np.random.default_rng(0)
    for _ in range(200):
        new = mutate(dist, value, rng)
        assert new != value and dist._contains(dist.to_internal_repr(new))


def _done(value: float | list[float], constraints: dict[str, float] | None = None) -> optuna.trial.FrozenTrial:
    attrs = {f"constraints:{k}": v for k, v in (constraints or {}).items()}
    values = value if isinstance(value, list) else [value]
    return create_trial(state=TrialState.COMPLETE, values=values, system_attrs=attrs)


def test_feasible_parent_beats_a_better_infeasible_one() -> None:
    feasible, infeasible = _done(0.80, {"params": -0.2}), _done(0.99, {"params": 0.5})
    assert best_of([infeasible, feasible], MAX) == [feasible]
    worse_violation = _done(0.99, {"params": 2.0})
    assert best_of([worse_violation, infeasible], MAX) == [infeasible]  # least violation among infeasible


def test_tournament_picks_the_better_parent_by_direction() -> None:
    low, high = _done(0.2), _done(0.9)
    rng = np.random.default_rng(0)
    assert all(tournament([low, high], MAX, 2, rng) is high for _ in range(20))
    assert all(tournament([low, high], [StudyDirection.MINIMIZE], 2, rng) is low for _ in range(20))
    picks = {id(tournament([low, high], MAX, 1, rng)) for _ in range(50)}
    assert picks == {id(low), id(high)}  # a tournament of one is a random draw


def test_multi_objective_tournament_picks_from_the_non_dominated() -> None:
    directions = [StudyDirection.MAXIMIZE, StudyDirection.MINIMIZE]  # accuracy, params
    a, b, dominated = _done([0.9, 1000.0]), _done([0.8, 100.0]), _done([0.7, 2000.0])
    assert best_of([a, b, dominated], directions) == [a, b]


def test_population_is_the_last_complete_trials_pruned_and_failed_excluded() -> None:
    sampler = EvolutionSampler(population_size=3, tournament_size=2, seed=0)
    study = optuna.create_study(sampler=sampler)
    states = [TrialState.COMPLETE, TrialState.PRUNED, TrialState.COMPLETE, TrialState.FAIL,
              TrialState.COMPLETE, TrialState.COMPLETE, TrialState.PRUNED]
    for state in states:
        study.add_trial(create_trial(state=state, value=1.0 if state == TrialState.COMPLETE else None,
                                     intermediate_values={0: 0.5} if state == TrialState.PRUNED else None))
    assert [t.number for t in sampler.population(study)] == [2, 4, 5]


def test_search_evolves_after_the_random_population_and_improves() -> None:
    population, trials = 6, 40
    study = optuna.create_study(direction="maximize", sampler=EvolutionSampler(population, 2, seed=0))
    study.optimize(_score, n_trials=trials)
    parents = [t.system_attrs.get(PARENT_ATTR) for t in study.trials]
    assert parents[:population] == [None] * population and None not in parents[population:]
    assert all(p < t for t, p in enumerate(parents) if p is not None)
    assert study.best_value > max(t.value for t in study.trials[:population])


def test_resumed_study_continues_from_the_stored_population(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'evo.db'}"
    first = optuna.create_study(study_name="s", storage=url, direction="maximize",
                                sampler=EvolutionSampler(4, 2, seed=0))
    first.optimize(_score, n_trials=6)
    resumed = optuna.load_study(study_name="s", storage=url, sampler=EvolutionSampler(4, 2, seed=99))
    resumed.optimize(_score, n_trials=3)
    trials = resumed.trials
    assert len(trials) == 9
    # no second random start: the new instance's first trial already has a parent from the first run
    assert trials[6].system_attrs[PARENT_ATTR] < 6
    assert all(PARENT_ATTR in t.system_attrs for t in trials[4:])


def test_strategies_table_builds_evolution_sized_from_the_budget() -> None:
    from nas.search.strategies import make_sampler

    sampler = make_sampler("evolution", 0, SPACE, 1, 50)
    assert isinstance(sampler, EvolutionSampler)
    assert (sampler.population_size, sampler.tournament_size) == default_sizes(50) == (10, 4)
    assert default_sizes(20) == (5, 2) and default_sizes(1000) == (20, 7)


@pytest.mark.parametrize("kwargs, message", [
    ({"population_size": 1}, "population needs at least 2"),
    ({"population_size": 4, "tournament_size": 5}, "tournament size must be 1..4"),
    ({"max_mutations": 0}, "max_mutations must be at least 1"),
])
def test_bad_knobs_are_refused_with_one_line(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        EvolutionSampler(**kwargs)


def test_nas_search_with_evolution_resumes_from_the_store(workdir: Path, tiny_space: Path, run_cli) -> None:
    from nas.store import load_study, open_storage

    first = run_cli("search", "--space", tiny_space, "--trials", 6, "--sampler", "evolution", "--pruner", "none",
                    "--threads", 1, "-q")
    assert first.exit_code == 0, first.stderr
    second = run_cli("search", "--space", tiny_space, "--trials", 8, "--sampler", "evolution", "--pruner", "none",
                     "--threads", 1, "-q")
    assert second.exit_code == 0, second.stderr
    trials = load_study(None, open_storage(None, create=False)).trials
    assert {t.state.name for t in trials} == {"COMPLETE"}
    trials = [t for t in trials if "duplicate_of" not in t.user_attrs]  # two children of one parent may be equal
    assert len(trials) == 8  # a repeat reuses its twin's result and does not count toward --trials
    population = default_sizes(8)[0]
    assert all(PARENT_ATTR in t.system_attrs for t in trials[population:])  # the resumed run evolves at once


def test_nas_search_with_evolution_and_two_workers_then_resume(workdir: Path, tiny_space: Path) -> None:
    """Issue 13: `--sampler evolution` with `--workers 2` shares one study (each worker's sampler
    reads the stored population) and a resume completes it with exactly the target, no failure.
    (Two workers may mutate one parent into the same child at the same moment: like any repeat of
    a running trial, nas.search.dedup lets both train.)"""
    import subprocess

    from tests.test_faults import nas_cmd, nas_env

    population = default_sizes(10)[0]
    for target in (6, 10):
        proc = subprocess.run(nas_cmd("search", "--space", tiny_space, "--trials", target, "--workers", 2,
                                      "--sampler", "evolution", "--pruner", "none"),
                              cwd=workdir, env=nas_env(), capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stdout + proc.stderr and "locked" not in proc.stdout + proc.stderr
    from nas.store import load_study, open_storage

    trials = load_study(None, open_storage(f"sqlite:///{workdir}/studies/nas.db", create=False)).trials
    assert {t.state for t in trials} == {TrialState.COMPLETE}
    trials = [t for t in trials if "duplicate_of" not in t.user_attrs]  # two children of one parent may be equal
    assert len(trials) == 10  # a repeat reuses its twin's result and does not count toward --trials
    assert len({t.user_attrs["worker"] for t in trials}) >= 2
    assert any(PARENT_ATTR in t.system_attrs for t in trials[population:])  # it evolved, not only sampled at random
