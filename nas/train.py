"""fit(): train one model on TaskData. Knows nothing of Optuna; the search hooks in via on_epoch.

Small datasets live on the device as tensors and batches are index slices of a per-epoch
permutation (no DataLoader: for in-memory data it only adds overhead). On CUDA: bf16 autocast,
channels_last for images. No host sync per step on CUDA: step losses are kept as tensors and
divergence is checked once per epoch (on the CPU reading a loss is free and is checked per step).
The best weights are snapshotted on the device into buffers allocated once, and copied to the CPU
once at the end.

The regularisers of the `train` section live here too, all off by default: label smoothing (in the
loss), a moving average of the weights (`ema`: the averaged copy is what is evaluated and kept),
early-stopping `patience`, and batch augmentation (`nas.augment`, training batches only).
`optimizer: lbfgs` is full-batch L-BFGS: one epoch is up to `lbfgs_iters` iterations with a
strong-Wolfe line search on the whole training split, which drives a convex model (an MLP of
depth 0: linear / logistic regression, a rocket head) to its optimum instead of near it.
A model with a frozen, data-fitted first stage (`nas.models.FitsData`: the rocket family) is
fitted to the training split when built, and `fit` trains only its head, on features computed
once per split (unless batches are augmented: then the stage runs on every augmented batch).
"""
from __future__ import annotations

import dataclasses
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
from nas.augment import AUGMENTS, Augment, make_augment
from nas.average import WeightAverage
from nas.data import Split, TaskData
from nas.errors import DivergedError
from nas.metrics import METRICS, autocast, better, predict
from nas.models import FitsData, StartsFromData, build_model
from nas.ridge import solve_linear
from nas.sample import LBFGS_ITERS, path_weight_decay

# name -> factory(parameters, TrainConfig)
OPTIMIZERS: dict[str, Callable[..., torch.optim.Optimizer]] = {
    "adam": lambda p, cfg: torch.optim.Adam(p, lr=cfg.lr, weight_decay=cfg.weight_decay),
    "adamw": lambda p, cfg: torch.optim.AdamW(p, lr=cfg.lr, weight_decay=cfg.weight_decay),
    "sgd": lambda p, cfg: torch.optim.SGD(p, lr=cfg.lr, weight_decay=cfg.weight_decay, momentum=0.9, nesterov=True),
    "rmsprop": lambda p, cfg: torch.optim.RMSprop(p, lr=cfg.lr, weight_decay=cfg.weight_decay),
    # lr, batch_size and scheduler are unused: the line search picks the step; weight decay is an
    # L2 term in the loss (see _full_batch_epoch), as in scikit-learn's linear models.
    "lbfgs": lambda p, cfg: torch.optim.LBFGS(p, lr=1.0, max_iter=cfg.lbfgs_iters, history_size=10,
                                              line_search_fn="strong_wolfe", **LBFGS_STOP[cfg.decay_path]),
}
# When L-BFGS stops before its iterations are spent: torch's defaults (a loss change under 1e-9, no
# gradient over 1e-7), except on a linear regression's regularisation path, which runs every
# iteration of each step: where the target is an exact linear function of the inputs the mean loss
# near the optimum is itself 1e-8 or less, and the defaults stopped such a fit at RMSE 1e-4 standard
# deviations (Stat2Data CO2SouthPole, fitted on its training split: 0.0094 on test against least
# squares' 4.9e-05; run to the end, 6.4e-06). The iterations stay bounded by `lbfgs_iters` and
# torch's evaluation cap.
LBFGS_STOP: dict[bool, dict[str, float]] = {
    False: {"tolerance_grad": 1e-7, "tolerance_change": 1e-9},
    True: {"tolerance_grad": 0.0, "tolerance_change": 0.0},
}
FULL_BATCH = frozenset({"lbfgs"})
# Mini-batch steps per epoch, at most: a larger training split takes larger batches instead
# (`batch_size`). Why: the sampled batch sizes (16-64) suit the small data nas is mostly given, and
# on a large table they make an epoch thousands of steps; on ggplot2's diamonds (32,000 training
# rows) a default 9-minute search trained 2 trials. Capped, each trial makes the same number of
# steps per epoch as on 3,200-12,800 rows; splits under 200 x the sampled size (mnist1d's 3,000,
# digits' 1,078, every small table) train as sampled.
MAX_STEPS_PER_EPOCH = 200

# name -> factory(optimizer, lr, total_steps): stepped once per batch
SCHEDULERS: dict[str, Callable[[torch.optim.Optimizer, float, int], Any]] = {
    "none": lambda opt, lr, steps: None,
    "cosine": lambda opt, lr, steps: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1)),
    "onecycle": lambda opt, lr, steps: torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1)),
}

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _mse(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(out.squeeze(-1), y)


# kind -> factory(label_smoothing) -> loss; smoothing means nothing for a regression target
LOSSES: dict[str, Callable[[float], Loss]] = {
    "classification": lambda smoothing: lambda out, y: F.cross_entropy(out, y, label_smoothing=smoothing),
    "regression": lambda smoothing: _mse,
}


@dataclass(frozen=True)
class TrainConfig:
    """The training knobs of an architecture (its `train` section); every regulariser defaults to off."""

    optimizer: str = "adamw"
    lr: float = 1e-3
    weight_decay: float = 0.0
    batch_size: int = 64
    epochs: int = 10
    scheduler: str = "none"
    label_smoothing: float = 0.0
    ema: float = 0.0  # decay of the weight average; 0 = no averaging
    patience: int = 0  # epochs without a better validation value before stopping; 0 = run all epochs
    crop: int = 0  # augmentation strengths (nas.augment.AUGMENTS); 0 / false = off
    flip: bool = False
    trivial_augment: bool = False
    shift: int = 0
    window_crop: float = 0.0
    scaling: float = 0.0
    jitter: float = 0.0
    decay_path: bool = False  # full batch only: epoch e fits at nas.sample.path_weight_decay(e, weight_decay)
    lbfgs_iters: int = LBFGS_ITERS  # full batch only: iterations an epoch (fewer on large data: nas.sample.lbfgs_iters)

    @classmethod
    def from_arch(cls, arch: Arch) -> TrainConfig:
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in arch.train.items() if k in known})

    def augmentations(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in AUGMENTS}


@dataclass
class FitResult:
    """Best validation value, the epoch it came from, the curves and the kept weights (CPU).

    `loss_curve` is the validation loss per epoch (unsmoothed; standardised units for regression):
    a continuous measure next to an accuracy curve that is often flat. `stopped_epoch` is the epoch
    after which patience stopped the fit, None when every epoch ran.
    """

    best_value: float
    best_epoch: int
    curve: list[float] = field(default_factory=list)
    seconds: float = 0.0
    state: dict[str, torch.Tensor] = field(default_factory=dict)
    loss_curve: list[float] = field(default_factory=list)
    stopped_epoch: int | None = None


@dataclass
class _Run:
    """Everything one fit's epochs share."""

    model: nn.Module
    data: TaskData
    cfg: TrainConfig
    opt: torch.optim.Optimizer
    sched: Any
    gen: torch.Generator
    loss: Loss
    augment: Augment | None
    average: WeightAverage | None
    failed_steps: int = 0  # full-batch L-BFGS steps in a row whose line search met a non-finite loss


class _NonFinite(Exception):
    """A loss that is not finite, met inside an L-BFGS step (`_full_batch_epoch`)."""


# L-BFGS steps in a row that may meet a non-finite loss, each undone, before the fit is diverged.
LBFGS_RETRIES = 3


def seed_everything(seed: int) -> None:
    """Seed Python, NumPy and torch so that a trial's initial weights and batches repeat."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def _improves(result: FitResult, value: float, loss: float, direction: str) -> bool:
    """Whether this epoch beats the best so far: a better validation metric, or the same one at a
    lower validation loss. Ties are common (accuracy on a small validation split moves in steps of
    1/n and is flat for many epochs); the loss still says which weights fit the held-out rows better,
    and lets patience see progress that the metric is too coarse to show."""
    if result.best_epoch < 0 or better(value, result.best_value, direction):
        return True
    return value == result.best_value and loss < result.loss_curve[result.best_epoch]


def batch_size(cfg: TrainConfig, rows: int) -> int:
    """The batch size a fit on `rows` training rows takes: the configured one, larger where it
    would make more than MAX_STEPS_PER_EPOCH steps an epoch."""
    return max(cfg.batch_size, -(-rows // MAX_STEPS_PER_EPOCH))


def _batch_starts(n: int, batch_size: int) -> list[int]:
    """Start rows of the batches; a trailing batch of one is dropped (it breaks batch norm)."""
    starts = list(range(0, n, batch_size))
    if n > 2 and n - starts[-1] == 1:
        starts.pop()
    return starts


def prepare_run(model: nn.Module, data: TaskData, cfg: TrainConfig, seed: int) -> _Run:
    """The optimizer, schedule, generator, loss, augmentation and weight average of one fit."""
    device = data.train.X.device
    opt = OPTIMIZERS[cfg.optimizer](model.parameters(), cfg)
    full = cfg.optimizer in FULL_BATCH
    steps = cfg.epochs * (1 if full else -(-len(data.train) // batch_size(cfg, len(data.train))))
    sched = None if full else SCHEDULERS[cfg.scheduler](opt, cfg.lr, steps)
    return _Run(model, data, cfg, opt, sched, torch.Generator(device=device).manual_seed(seed),
                LOSSES[data.kind](cfg.label_smoothing), make_augment(cfg.augmentations(), data.train.X),
                WeightAverage(model, cfg.ema) if cfg.ema > 0 else None)


def _train_epoch(run: _Run, epoch: int) -> None:
    """One pass over the training split in shuffled mini-batches."""
    model, X, y, cfg = run.model, run.data.train.X, run.data.train.y, run.cfg
    # On the CPU reading the loss is no device sync: check every step, so a diverging trial stops
    # at its first bad step, before a NaN reaches the weights. On CUDA that read would stall the
    # GPU every step, so the check is the epoch's one sync below.
    check_each_step = X.device.type != "cuda"
    model.train()
    perm = torch.randperm(X.shape[0], device=X.device, generator=run.gen)
    losses: list[torch.Tensor] = []  # CUDA only: checked once, after the epoch
    size = batch_size(cfg, X.shape[0])
    for step, start in enumerate(_batch_starts(X.shape[0], size)):
        idx = perm[start : start + size]
        batch = X[idx] if run.augment is None else run.augment(X[idx], run.gen)
        with autocast(X.device):
            loss = run.loss(model(batch), y[idx])
        if not check_each_step:
            losses.append(loss.detach())
        elif not math.isfinite(value := loss.item()):  # .item(): the cheapest read of a CPU scalar
            raise DivergedError(f"loss became {value} at epoch {epoch + 1}, step {step + 1}")
        run.opt.zero_grad(set_to_none=True)
        loss.backward()
        run.opt.step()
        if run.sched is not None:
            run.sched.step()
        if run.average is not None:
            run.average.update()
    if losses and not torch.isfinite(total := torch.stack(losses).sum()):  # the epoch's one host sync
        raise DivergedError(f"loss became {total.item()} in epoch {epoch + 1}")


def path_decay(cfg: TrainConfig, epoch: int) -> float | None:
    """The weight decay epoch `epoch` fits with on a regularisation path (nas.sample.LINEAR_TRAIN),
    never below the configured one; None off a path."""
    return path_weight_decay(epoch, cfg.weight_decay) if cfg.decay_path else None


def _full_batch_epoch(run: _Run, epoch: int) -> None:
    """One L-BFGS step (up to `lbfgs_iters` iterations) on the whole training split, in float32.

    Weight decay is the L2 term wd/2 * |W|^2 on weight matrices (biases are not penalised), the
    penalty of scikit-learn's ridge and logistic regression. On a regularisation path
    (`decay_path`) each epoch is a new problem at the next, weaker, weight decay: it starts from
    the last one's optimum with a fresh L-BFGS history, or, for a linear regression, is solved
    exactly in float64 (nas.ridge: L-BFGS in float32 stops short on ill-conditioned tables). An
    augmented split is drawn once per epoch: the line search needs the same loss each time it
    evaluates the closure.
    """
    model, X, y = run.model, run.data.train.X, run.data.train.y
    model.train()
    batch = X if run.augment is None else run.augment(X, run.gen)
    weights = [p for p in model.parameters() if p.dim() > 1]
    wd = run.cfg.weight_decay
    if (on_path := path_decay(run.cfg, epoch)) is not None:
        wd = on_path
        run.opt.state.clear()
        if run.augment is None and solve_linear(model, batch, y, wd):  # class labels: never solved
            if run.average is not None:
                run.average.update()
            return

    evaluations = 0

    def closure() -> torch.Tensor:
        nonlocal evaluations
        evaluations += 1
        run.opt.zero_grad(set_to_none=True)
        loss = run.loss(model(batch), y)
        if wd:
            loss = loss + 0.5 * wd * sum(w.pow(2).sum() for w in weights)
        if not math.isfinite(value := loss.item()):  # one sync per evaluation: full batch, few of them
            # at the step's start the model itself is broken; later, a line-search point overflowed
            raise (DivergedError if evaluations == 1 else _NonFinite)(f"loss became {value} at epoch {epoch + 1}")
        loss.backward()
        return loss

    before = [p.detach().clone() for p in model.parameters()]
    try:
        run.opt.step(closure)
    except _NonFinite as exc:
        # A line search tried a step too long for the network (its outputs overflowed): undo the
        # step, drop the curvature history that proposed it and end the epoch at the last good
        # point; only LBFGS_RETRIES such steps in a row are a divergence. Before, the first one
        # failed the trial (aeon's Uschange: an MLP at epoch 77 of 200, its other folds fine).
        with torch.no_grad():
            for p, old in zip(model.parameters(), before):
                p.copy_(old)
        run.opt.state.clear()
        run.failed_steps += 1
        if run.failed_steps >= LBFGS_RETRIES:
            raise DivergedError(f"{exc} ({LBFGS_RETRIES} L-BFGS steps in a row)") from None
        return
    run.failed_steps = 0
    if run.average is not None:
        run.average.update()


def evaluate(model: nn.Module, split: Split, data: TaskData) -> tuple[float, float]:
    """(the task's metric, the unsmoothed loss) of `model` on one split, from one forward pass."""
    out = predict(model, split.X)
    loss = LOSSES[data.kind](0.0)(out, split.y)
    return METRICS[data.metric](out, split.y, data), float(loss)


def fit(model: nn.Module, data: TaskData, cfg: TrainConfig, seed: int = 0,
        on_epoch: Callable[[int, float], bool | None] | None = None, keep_best: bool = True) -> FitResult:
    """Train `model` (already on the data's device) and return the best validation result.

    `on_epoch(epoch, value)` is called after each epoch with the validation metric; it may raise
    (the search raises optuna.TrialPruned there) to stop training early, or return True to end
    training there as if patience ran out (the search's first trial at the end of its time
    budget). With `cfg.patience`, training stops once that many epochs in a row did not beat the
    best one.
    `keep_best=False` keeps the last epoch's weights instead, and ignores patience: retraining on
    train + validation has no held-out split to pick an epoch or to stop with; it evaluates only
    after the last epoch (the curve holds NaN before it, and so does `on_epoch`'s value).
    With `cfg.ema`, the averaged weights are the ones evaluated and kept.
    """
    if isinstance(model, FitsData) and not any(cfg.augmentations().values()):
        return _fit_head(model, data, cfg, seed, on_epoch, keep_best)
    if data.train.X.device.type == "cuda" and data.train.X.dim() == 4:
        model = model.to(memory_format=torch.channels_last)
    run = prepare_run(model, data, cfg, seed)
    step = _full_batch_epoch if cfg.optimizer in FULL_BATCH else _train_epoch
    judged = run.average.model if run.average is not None else model  # the weights evaluated and kept
    patience = cfg.patience if keep_best else 0
    result = FitResult(best_value=float("nan"), best_epoch=-1)
    current = judged.state_dict()  # views of the weights, updated in place
    best = {k: torch.empty_like(v) for k, v in current.items()}  # on the device, allocated once
    started = time.perf_counter()
    for epoch in range(cfg.epochs):
        step(run, epoch)
        if keep_best or epoch == cfg.epochs - 1:
            value, loss = evaluate(judged, data.val, data)
        else:  # a refit's `val` is its own training rows: scoring them each epoch only cost time (~25%)
            value = loss = float("nan")
        result.curve.append(value)
        result.loss_curve.append(loss)
        if not keep_best or _improves(result, value, loss, data.direction):
            result.best_value, result.best_epoch = value, epoch
            for k, v in current.items():
                best[k].copy_(v)
        ended = on_epoch is not None and on_epoch(epoch, value)
        if ended or (patience and epoch - result.best_epoch >= patience and epoch < cfg.epochs - 1):
            result.stopped_epoch = epoch
            break
    result.seconds = time.perf_counter() - started
    if result.best_epoch >= 0:
        for k, v in model.state_dict().items():
            v.copy_(best[k])  # in place: cheaper than load_state_dict for small models
        result.state = {k: v.to("cpu") for k, v in best.items()}  # no copy when already on the CPU
    return result


def _fit_head(model: FitsData, data: TaskData, cfg: TrainConfig, seed: int,
              on_epoch: Callable[[int, float], bool | None] | None, keep_best: bool) -> FitResult:
    """fit() of a model's head on its frozen stage's features, computed once for train and
    validation (fit never reads the test split). The result's state is the whole model's."""
    started = time.perf_counter()
    train, val = (Split(model.features(s.X), s.y) for s in (data.train, data.val))
    mapped = dataclasses.replace(data, input_shape=tuple(train.X.shape[1:]), train=train, val=val)
    result = fit(model.head, mapped, cfg, seed=seed, on_epoch=on_epoch, keep_best=keep_best)
    result.seconds = time.perf_counter() - started
    if result.state:
        result.state = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
    return result


def build_seeded(arch: Arch, data: TaskData, seed: int, device: Any) -> nn.Module:
    """Seed everything, then build `arch` on `device`: the same seed gives the same initial weights
    (and, for a model with a data-fitted frozen stage, the same fit on the training split)."""
    seed_everything(seed)
    model = build_model(arch, data.input_shape, data.out_dim, data.preprocessing).to(device)
    if isinstance(model, FitsData):
        model.fit_data(data.train.X, seed)
    if isinstance(model, StartsFromData):
        model.start_from(data.train.X, data.train.y)
    return model


def train_arch(arch: Arch, data: TaskData, seed: int, device: Any,
               on_epoch: Callable[[int, float], bool | None] | None = None,
               keep_best: bool = True) -> tuple[nn.Module, FitResult]:
    """Build and train an architecture from its spec and seed: what a search trial, `nas rerun`
    and `nas retrain` all do (data already on `device`)."""
    model = build_seeded(arch, data, seed, device)
    return model, fit(model, data, TrainConfig.from_arch(arch), seed=seed, on_epoch=on_epoch, keep_best=keep_best)
