"""Costs: parameters, FLOPs (conv, linear, recurrent), latency; limits enforced before training."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from nas.models import count_params
from nas.search.costs import count_flops, latency_ms, measure, rnn_flops


def test_linear_and_conv_flops_are_two_per_multiply_add() -> None:
    assert count_flops(nn.Linear(10, 5), (10,)) == 2 * 10 * 5
    conv = nn.Conv2d(1, 4, 3, padding="same")  # 8x8 output, 4 channels, 9 taps each
    assert count_flops(conv, (1, 8, 8)) == 2 * 8 * 8 * 4 * 9
    assert count_params(nn.Linear(10, 5)) == 55


@pytest.mark.parametrize(("cell", "gates"), [(nn.LSTM, 4), (nn.GRU, 3), (nn.RNN, 1)])
def test_recurrent_layers_are_counted(cell: type[nn.RNNBase], gates: int) -> None:
    layer = cell(6, 16, batch_first=True)
    flops = count_flops(layer, (5, 6))  # 5 steps of 6 features
    assert flops == 2 * gates * 16 * (6 + 16) * 5 == rnn_flops(layer, 5)


def test_stacked_bidirectional_rnn_in_a_model_replaces_the_counters_own_numbers() -> None:
    from nas.models.rnn import RNNNet

    sections = {"rnn": {"hidden": 8, "cell": "gru", "layers": 2, "bidirectional": True}}
    model = RNNNet(sections, (7, 3), 10)
    expected = 2 * (2 * 3 * 8 * (3 + 8) + 2 * 3 * 8 * (16 + 8)) * 7 + 2 * 16 * 10
    assert count_flops(model, (7, 3)) == expected  # GRU counted once, not twice


def test_a_slow_model_is_timed_in_few_runs(monkeypatch) -> None:
    """Warm-up and timed runs each stop once they have taken LATENCY_SECONDS: a model of 30 ms a
    run, with 50 ms allowed, runs twice for each instead of 3 + 20 times, and its time is its run's."""
    import time

    from nas.search import costs

    class Slow(nn.Module):
        calls = 0

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            Slow.calls += 1
            time.sleep(0.03)
            return x

    monkeypatch.setattr(costs, "LATENCY_SECONDS", 0.05)
    assert 30 <= latency_ms(Slow(), (4,), 1, "cpu") < 200 and Slow.calls == 4


def test_latency_and_measure() -> None:
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 3))
    threads = torch.get_num_threads()
    assert 0 < latency_ms(model, (20,), 1, "cpu", warmup=1, runs=3) < 1000
    assert torch.get_num_threads() == threads and model.training
    costs = measure(model, (20,), torch.device("cpu"), batch=8)
    assert costs.params == 20 * 64 + 64 + 64 * 3 + 3 and costs.latency_batch == 8
    assert set(costs.to_attrs()) == {"params", "flops", "latency_ms", "latency_ms_batch", "latency_batch"}
    assert set(measure(model, (20,), torch.device("cpu"), batch=None).to_attrs()) == {"params", "flops", "latency_ms"}


def test_tight_limit_rejects_candidates_without_training(workdir, run_cli, tiny_space) -> None:  # noqa: ANN001
    import optuna

    result = run_cli("search", "--space", tiny_space, "--trials", 4, "--epochs", 1, "-q", "--max-params", 1)
    assert result.exit_code == 0, result.stderr
    assert "4 of the complete rejected by a cost limit" in result.stdout
    study = optuna.load_study(study_name="image-digits", storage="sqlite:///studies/nas.db")
    for t in study.trials:
        assert t.user_attrs["rejected"].startswith("params ") and "> --max-params 1" in t.user_attrs["rejected"]
        assert not {"train_seconds", "curve", "checkpoint", "test", "latency_ms_batch"} & set(t.user_attrs)  # never trained
        assert t.user_attrs["flops"] > 0 and t.user_attrs["latency_ms"] > 0
        assert t.constraints["params"] > 0 and t.values == [0.0]
    board = run_cli("leaderboard", "--all", "--json").json()
    assert [r["rank"] for r in board] == [None] * 4 and {r["state"] for r in board} == {"rejected"}
    assert run_cli("leaderboard", "--json").json() == []


class _Trial:
    """Records what `assess` stores, like an Optuna trial would."""

    def __init__(self) -> None:
        self.user_attrs: dict[str, object] = {}
        self.constraints: dict[str, float] = {}

    def set_user_attr(self, key: str, value: object) -> None:
        self.user_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        self.constraints[key] = value


def test_assess_rejects_a_big_model_in_milliseconds() -> None:
    import time
    from types import SimpleNamespace

    from nas.search.objectives import Goals, Limits, assess, parse_objectives

    count_flops(nn.Linear(2, 2), (2,))  # the flop counter's one-off start-up is not the check's cost
    big = nn.Sequential(nn.Linear(1000, 2000), nn.ReLU(), nn.Linear(2000, 10))
    goals = Goals(parse_objectives(None, "accuracy", "maximize"), Limits(max_params=10_000), latency_batch=256)
    trial = _Trial()
    started = time.perf_counter()
    costs, reason = assess(trial, big, SimpleNamespace(input_shape=(1000,)), torch.device("cpu"), goals)
    assert time.perf_counter() - started < 0.5
    assert reason == "params 2,022,010 > --max-params 10,000" == trial.user_attrs["rejected"]
    assert trial.constraints == {"params": pytest.approx(2_022_010 / 10_000 - 1), "flops": -1.0, "latency_ms": -1.0}
    assert "latency_ms_batch" not in trial.user_attrs and trial.user_attrs["flops"] == 2 * (1000 * 2000 + 2000 * 10)
