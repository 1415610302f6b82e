"""What a model costs to run: parameters, FLOPs, and latency on the search device.

All three are known before training (they depend on the architecture, not on the weights), so a
candidate that breaks a limit is rejected before any epoch runs. FLOPs come from
`torch.utils.flop_counter.FlopCounterMode` (a multiply-add counts as 2 FLOPs) on a batch-1
forward pass. That counter sees the matrix products of a decomposed GRU/RNN, but not the fused
`aten::lstm` kernel (it reports 0 for an LSTM on the CPU, and cuDNN fuses every cell on a GPU),
so every `nn.RNNBase` layer is counted analytically instead, with the same convention.

Latency on the CPU is timed on one thread. Batch-1 inference of a small model is single-threaded
on most edge devices anyway, and on a busy machine a multi-threaded timing mostly measures the
other processes: on this project's shared 2-core box a tiny CNN took 15 ms on two threads
(waiting at thread barriers) and a steady 0.06 ms on one.
"""
from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import torch
from torch import nn

from nas.metrics import autocast
from nas.models import count_params

WARMUP_RUNS = 3
TIMED_RUNS = 20
BATCH_WARMUP_RUNS = 2
BATCH_TIMED_RUNS = 10
# Runs stop once warm-up, and then the timed runs, have taken this long (one timed run at least).
# Why: a run of a slow model is long enough to time alone, and its runs were a third of a trial:
# MiniRocket on 2,000-step series (UCR PigCVP), batch 64 on one thread, ~10 s a run, 12 runs.
LATENCY_SECONDS = 1.0
GATES: dict[str, int] = {"LSTM": 4, "GRU": 3, "RNN": 1}


@dataclass(frozen=True)
class Costs:
    """The cost of one model: stored on every trial as user attrs of the same names."""

    params: int
    flops: int
    latency_ms: float
    latency_ms_batch: float | None = None  # None: not timed (a candidate rejected by a limit)
    latency_batch: int | None = None

    def to_attrs(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def rnn_flops(layer: nn.RNNBase, steps: int, batch: int = 1) -> int:
    """Analytic FLOPs of a recurrent stack: per step, layer and direction, the input and hidden
    matrix products, 2 * gates * hidden * (inputs + hidden) (the counter's convention; biases and
    the element-wise gate maths are left out as they are for linear layers)."""
    gates = GATES[layer.mode.split("_")[0]]  # modes: LSTM, GRU, RNN_TANH, RNN_RELU
    directions = 2 if layer.bidirectional else 1
    total = 0
    for index in range(layer.num_layers):
        inputs = layer.input_size if index == 0 else layer.hidden_size * directions
        total += 2 * gates * layer.hidden_size * (inputs + layer.hidden_size)
    return total * directions * steps * batch


def _sample_input(input_shape: tuple[int, ...], batch: int, device: Any) -> torch.Tensor:
    # Zeros, not random values: drawing from the global generator would shift the trial's seeded
    # training, and dense kernels run as fast on zeros as on anything else.
    return torch.zeros((batch, *input_shape), device=device)


@torch.no_grad()
def count_flops(model: nn.Module, input_shape: tuple[int, ...], device: Any = "cpu") -> int:
    """FLOPs of one forward pass at batch size 1 (conv, linear and recurrent layers)."""
    from torch.utils.flop_counter import FlopCounterMode

    x = _sample_input(input_shape, 1, device)
    steps: dict[str, tuple[int, int]] = {}
    rnns = {name: m for name, m in model.named_modules() if isinstance(m, nn.RNNBase)}
    hooks = [m.register_forward_pre_hook(_record_steps(steps, name)) for name, m in rnns.items()]
    was_training = model.training
    model.eval()
    try:
        with FlopCounterMode(display=False) as counter:
            model(x)
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    by_module = counter.get_flop_counts()
    root = type(model).__name__
    total = int(counter.get_total_flops())
    for name, layer in rnns.items():
        counted = sum(by_module.get(f"{root}.{name}" if name else root, {}).values())
        total += rnn_flops(layer, *steps.get(name, (0, 0))) - int(counted)
    # work the counter cannot see, stated per example by the module (rocket's comparisons)
    return total + sum(int(getattr(m, "uncounted_flops", 0)) for m in model.modules())


def _record_steps(steps: dict[str, tuple[int, int]], name: str) -> Any:
    """A pre-hook that notes (time steps, batch) of the input a recurrent layer sees."""
    def hook(module: nn.RNNBase, args: tuple[Any, ...]) -> None:
        x = args[0]
        if x.dim() == 2:  # unbatched (T, F)
            steps[name] = (int(x.shape[0]), 1)
        else:
            t, b = (1, 0) if module.batch_first else (0, 1)
            steps[name] = (int(x.shape[t]), int(x.shape[b]))

    return hook


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.no_grad()
def latency_ms(model: nn.Module, input_shape: tuple[int, ...], batch: int, device: Any,
               warmup: int = WARMUP_RUNS, runs: int = TIMED_RUNS) -> float:
    """Median wall time of one forward pass in milliseconds, after warm-up runs (eval mode, the
    search's autocast). The median, because a shared machine adds rare long outliers. Warm-up
    and timing each stop early past LATENCY_SECONDS (a model of 0.1 s a run gets ~10 timed runs,
    one of 10 s a run a warm-up and one timed run)."""
    device = torch.device(device)
    x = _sample_input(input_shape, batch, device)
    was_training, threads = model.training, torch.get_num_threads()
    model.eval()
    if device.type == "cpu":
        torch.set_num_threads(1)  # see the module docstring
    times: list[float] = []
    try:
        with autocast(device):
            for phase, count in (("warmup", warmup), ("timed", runs)):
                began = time.perf_counter()
                for _ in range(count):
                    _sync(device)
                    start = time.perf_counter()
                    model(x)
                    _sync(device)
                    if phase == "timed":
                        times.append((time.perf_counter() - start) * 1000.0)
                    if time.perf_counter() - began > LATENCY_SECONDS:
                        break
    finally:
        model.train(was_training)
        torch.set_num_threads(threads)
    return float(statistics.median(times))


def measure(model: nn.Module, input_shape: tuple[int, ...], device: Any, batch: int | None = 64) -> Costs:
    """Parameters, FLOPs and latency (batch 1, and `batch` unless None) of a model on `device`.

    On digits-sized CNNs: parameters take microseconds, FLOPs and batch-1 latency ~25 ms each,
    the batch-64 timing ~130 ms, so a limit check can skip the last (`batch=None`).
    """
    input_shape = tuple(int(s) for s in input_shape)
    costs = Costs(params=count_params(model), flops=count_flops(model, input_shape, device),
                  latency_ms=round(latency_ms(model, input_shape, 1, device), 4))
    return costs if batch is None else with_batch_latency(costs, model, input_shape, device, batch)


def with_batch_latency(costs: Costs, model: nn.Module, input_shape: tuple[int, ...], device: Any, batch: int) -> Costs:
    """`costs` plus the latency of one forward pass at `batch` (fewer runs: each is longer)."""
    timed = latency_ms(model, tuple(input_shape), batch, device, warmup=BATCH_WARMUP_RUNS, runs=BATCH_TIMED_RUNS)
    return replace(costs, latency_ms_batch=round(timed, 4), latency_batch=int(batch))
