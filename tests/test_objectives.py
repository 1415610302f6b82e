"""Objective parsing, cost limits, the dominance rule, and multi-objective search through the CLI."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from nas.errors import UsageError
from nas.search.objectives import Goal, Goals, Limits, dominated, parse_objectives


def test_parse_metric_first_then_costs() -> None:
    goals = parse_objectives("accuracy, params,latency", "accuracy", "maximize")
    assert [g.name for g in goals] == ["accuracy", "params", "latency"]
    assert [g.direction for g in goals] == ["maximize", "minimize", "minimize"]
    assert [g.attr for g in goals] == [None, "params", "latency_ms"]


def test_default_is_the_single_metric() -> None:
    assert parse_objectives(None, "rmse", "minimize") == (Goal("rmse", None, "minimize"),)
    assert parse_objectives("metric,flops", "rmse", "minimize")[0].name == "rmse"


@pytest.mark.parametrize(("text", "match"), [
    ("accuracy,parms", "unknown objective 'parms' \\(did you mean 'params'\\?\\)"),
    ("params,accuracy", "first objective must be the task's metric"),
    ("accuracy,params,params", "'params' is listed twice"),
    ("accuracy,,params", "empty name"),
    ("rmse,params", "scored by accuracy, not rmse"),
])
def test_bad_objectives_are_one_line_usage_errors(text: str, match: str) -> None:
    with pytest.raises(UsageError, match=match) as info:
        parse_objectives(text, "accuracy", "maximize")
    assert "\n" not in str(info.value)


def test_limits_reason_and_relative_violations() -> None:
    limits = Limits(max_params=1000, max_latency_ms=2.0)
    costs = {"params": 1500, "flops": 10, "latency_ms": 1.0}
    assert limits.reason(costs) == "params 1,500 > --max-params 1,000"
    assert limits.violations(costs) == {"params": 0.5, "flops": -1.0, "latency_ms": -0.5}
    assert limits.reason({"params": 999, "flops": 10, "latency_ms": 2.0}) is None
    with pytest.raises(UsageError, match="--max-flops: must be positive"):
        Limits(max_flops=0).check()


def _done(number: int, acc: float, params: int) -> SimpleNamespace:
    return SimpleNamespace(number=number, values=[acc, params], user_attrs={"params": params})


def test_dominance_rule_needs_a_smaller_and_clearly_better_trial() -> None:
    goals = Goals(parse_objectives("accuracy,params", "accuracy", "maximize"))
    completed = [_done(0, 0.95, 500), _done(1, 0.99, 5000)]
    assert dominated(0.80, {"params": 1000}, goals, completed) == 0  # 0.80 < 0.95 * 0.95, and no larger
    assert dominated(0.92, {"params": 1000}, goals, completed) is None  # within the margin
    assert dominated(0.50, {"params": 400}, goals, completed) is None  # smaller than every trial
    rejected = SimpleNamespace(number=2, values=[0.0, 10], user_attrs={"params": 10, "rejected": "x"})
    assert dominated(0.10, {"params": 400}, goals, [rejected]) is None


def _search(run_cli, tiny_space, *extra: str):  # noqa: ANN001, ANN202
    return run_cli("search", "--space", tiny_space, "--trials", 4, "--epochs", 1, "-q", *extra)


def test_multi_objective_search_end_to_end(workdir, run_cli, tiny_space, monkeypatch) -> None:  # noqa: ANN001
    import nas.search.prepared

    made: list[tuple[str, int]] = []
    original = nas.search.prepared.make_sampler

    def spy(name, seed, space, n_objectives=1, trials=20):  # noqa: ANN001, ANN202
        made.append((name, n_objectives))
        return original(name, seed, space, n_objectives, trials)

    monkeypatch.setattr(nas.search.prepared, "make_sampler", spy)
    result = _search(run_cli, tiny_space, "--objectives", "accuracy,params")
    assert result.exit_code == 0, result.stderr
    assert made and set(made) == {("nsga2", 2)}  # NSGA-II by default with two objectives
    import optuna

    study = optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db")
    assert [d.name for d in study.directions] == ["MAXIMIZE", "MINIMIZE"]
    assert study.user_attrs["nas"]["objectives"] == ["accuracy", "params"]
    for t in study.trials:
        assert t.values[1] == t.user_attrs["params"]
        assert t.user_attrs["flops"] > 0 and t.user_attrs["latency_ms"] > 0 and t.user_attrs["latency_ms_batch"] > 0
    front = run_cli("leaderboard", "--pareto", "--json")
    assert front.exit_code == 0, front.stderr
    rows = front.json()
    pareto_numbers = {t.number for t in study.best_trials}
    assert {r["trial"] for r in rows} == pareto_numbers and rows
    assert set(rows[0]["objectives"]) == {"accuracy", "params"}
    # Resuming the study with other objectives is refused, and nothing is stored.
    again = _search(run_cli, tiny_space, "--objectives", "accuracy,flops", "--trials", 6)
    assert again.exit_code == 2 and "created with --objectives accuracy,params" in again.stderr
    assert len(optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db").trials) == 4


def test_cli_rejects_bad_objective_and_cmaes_with_several(workdir, run_cli, tiny_space) -> None:  # noqa: ANN001
    bad = _search(run_cli, tiny_space, "--objectives", "accuracy,size")
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --objectives: unknown objective 'size'")
    cma = _search(run_cli, tiny_space, "--objectives", "accuracy,params", "--sampler", "cmaes")
    assert cma.exit_code == 2 and "CMA-ES optimises one objective" in cma.stderr
    assert not (workdir / "studies" / "nas.db").exists()
