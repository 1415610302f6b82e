"""fit(): train one model on TaskData. Knows nothing of Optuna; the search hooks in via on_epoch.

Small datasets live on the device as tensors and batches are index slices of a per-epoch
permutation (no DataLoader: for in-memory data it only adds overhead). On CUDA: bf16 autocast,
channels_last for images. No host sync per step on any device: step losses are kept as tensors
and divergence is checked once per epoch (benchmarks/trainer.py measured the per-step check at
~5% of an MLP epoch on the CPU). The best weights are snapshotted on the device into buffers
allocated once, and copied to the CPU once at the end.
"""
from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nas.arch import Arch
from nas.data import TaskData
from nas.errors import DivergedError
from nas.metrics import autocast, score
from nas.models import build_model

OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": lambda p, lr, wd: torch.optim.Adam(p, lr=lr, weight_decay=wd),
    "adamw": lambda p, lr, wd: torch.optim.AdamW(p, lr=lr, weight_decay=wd),
    "sgd": lambda p, lr, wd: torch.optim.SGD(p, lr=lr, weight_decay=wd, momentum=0.9, nesterov=True),
    "rmsprop": lambda p, lr, wd: torch.optim.RMSprop(p, lr=lr, weight_decay=wd),
}

# name -> factory(optimizer, lr, total_steps): stepped once per batch
SCHEDULERS: dict[str, Callable[[torch.optim.Optimizer, float, int], Any]] = {
    "none": lambda opt, lr, steps: None,
    "cosine": lambda opt, lr, steps: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1)),
    "onecycle": lambda opt, lr, steps: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1)),
}

LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "classification": F.cross_entropy,
    "regression": lambda out, y: F.mse_loss(out.squeeze(-1), y),
}


@dataclass(frozen=True)
class TrainConfig:
    """The training knobs of an architecture (its `train` section)."""

    optimizer: str = "adamw"
    lr: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 10
    scheduler: str = "none"

    @classmethod
    def from_arch(cls, arch: Arch) -> TrainConfig:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in arch.train.items() if k in known})


@dataclass
class FitResult:
    """Best validation value, the epoch it came from, the whole curve and the best weights (CPU)."""

    best_value: float
    best_epoch: int
    curve: list[float] = field(default_factory=list)
    seconds: float = 0.0
    state: dict[str, torch.Tensor] = field(default_factory=dict)


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so that a trial's initial weights and batches repeat."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _better(a: float, b: float, direction: str) -> bool:
    return a > b if direction == "maximize" else a < b


def _batch_starts(n: int, batch_size: int) -> list[int]:
    """Start rows of the batches; a trailing batch of one is dropped (it breaks batch norm)."""
    starts = list(range(0, n, batch_size))
    if n > 2 and n - starts[-1] == 1:
        starts.pop()
    return starts


def _train_epoch(model: nn.Module, data: TaskData, cfg: TrainConfig, opt: torch.optim.Optimizer,
                 sched: Any, gen: torch.Generator, epoch: int) -> None:
    X, y = data.train.X, data.train.y
    device, loss_fn = X.device, LOSSES[data.kind]
    # On the CPU reading the loss is no device sync: check every step, so a diverging trial stops
    # at its first bad step, before a NaN reaches the weights. On CUDA that read would stall the
    # GPU every step, so the check is the epoch's one sync below.
    check_each_step = device.type != "cuda"
    model.train()
    perm = torch.randperm(X.shape[0], device=device, generator=gen)
    losses: list[torch.Tensor] = []  # CUDA only: checked once, after the epoch
    for step, start in enumerate(_batch_starts(X.shape[0], cfg.batch_size)):
        idx = perm[start : start + cfg.batch_size]
        with autocast(device):
            loss = loss_fn(model(X[idx]), y[idx])
        if not check_each_step:
            losses.append(loss.detach())
        elif not math.isfinite(value := loss.item()):  # .item(): the cheapest read of a CPU scalar
            raise DivergedError(f"loss became {value} at epoch {epoch + 1}, step {step + 1}")
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    if losses and not torch.isfinite(total := torch.stack(losses).sum()):  # the epoch's one host sync
        raise DivergedError(f"loss became {total.item()} in epoch {epoch + 1}")


def fit(model: nn.Module, data: TaskData, cfg: TrainConfig, seed: int = 0,
        on_epoch: Callable[[int, float], None] | None = None, keep_best: bool = True) -> FitResult:
    """Train `model` (already on the data's device) and return the best validation result.

    `on_epoch(epoch, value)` is called after each epoch with the validation metric; it may raise
    (the search raises optuna.TrialPruned there) to stop training early.
    `keep_best=False` keeps the last epoch's weights instead: retraining on train + validation
    has no held-out split to pick an epoch with.
    """
    device = data.train.X.device
    if device.type == "cuda" and data.train.X.dim() == 4:
        model = model.to(memory_format=torch.channels_last)
    opt = OPTIMIZERS[cfg.optimizer](model.parameters(), cfg.lr, cfg.weight_decay)
    steps = cfg.epochs * -(-len(data.train) // cfg.batch_size)
    sched = SCHEDULERS[cfg.scheduler](opt, cfg.lr, steps)
    gen = torch.Generator(device=device).manual_seed(seed)
    result = FitResult(best_value=float("nan"), best_epoch=-1)
    live = model.state_dict()  # views of the weights, updated in place by the optimizer
    best = {k: torch.empty_like(v) for k, v in live.items()}  # on the device, allocated once
    started = time.perf_counter()
    for epoch in range(cfg.epochs):
        _train_epoch(model, data, cfg, opt, sched, gen, epoch)
        value = score(model, data.val, data)
        result.curve.append(value)
        if not keep_best or result.best_epoch < 0 or _better(value, result.best_value, data.direction):
            result.best_value, result.best_epoch = value, epoch
            for k, v in live.items():
                best[k].copy_(v)
        if on_epoch is not None:
            on_epoch(epoch, value)
    result.seconds = time.perf_counter() - started
    if result.best_epoch >= 0:
        for k, v in live.items():
            v.copy_(best[k])  # in place: cheaper than load_state_dict for small models
        result.state = {k: v.to("cpu") for k, v in best.items()}  # no copy when already on the CPU
    return result


def build_seeded(arch: Arch, data: TaskData, seed: int, device: Any) -> nn.Module:
    """Seed everything, then build `arch` on `device`: the same seed gives the same initial weights."""
    seed_everything(seed)
    return build_model(arch, data.input_shape, data.out_dim).to(device)


def train_arch(arch: Arch, data: TaskData, seed: int, device: Any,
               on_epoch: Callable[[int, float], None] | None = None,
               keep_best: bool = True) -> tuple[nn.Module, FitResult]:
    """Build and train an architecture from its spec and seed: what a search trial, `nas rerun`
    and `nas retrain` all do (data already on `device`)."""
    model = build_seeded(arch, data, seed, device)
    return model, fit(model, data, TrainConfig.from_arch(arch), seed=seed, on_epoch=on_epoch, keep_best=keep_best)
