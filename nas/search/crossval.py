"""Train one candidate on each of its splits: the K folds, or the single holdout split.

A search trial, `nas rerun` and the refit-versus-ensemble benchmark all train a candidate this
way, so a rerun repeats exactly what the trial did. Fold f is seeded with the trial's seed + f
(fold 0 and holdout use the trial's seed itself, as `nas retrain` does), so every fold's initial
weights and batches repeat. Each fold's validation metric and loss curves (nas.train.fit) feed
the ranking rule (nas.search.selection); each fold's kept model's outputs on its validation rows
(out-of-fold predictions: together they cover train + validation once) feed ensemble selection
(nas.search.blend).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from nas.arch import Arch
from nas.data import TaskData
from nas.metrics import predict
from nas.search.selection import Choice, choose
from nas.train import FitResult, TrainConfig, build_seeded, fit

SEED_LIMIT = 2**31 - 1


def fold_seed(seed: int, fold: int) -> int:
    """The seed fold `fold` of a trial trains with (fold 0: the trial's own seed)."""
    return (seed + fold) % SEED_LIMIT


@dataclass
class FoldRun:
    """What training a candidate on its splits produced: per-split results (curves, kept weights).

    `first` is split 0's kept model (the trial's checkpoint and search-time test figure);
    `models` holds every split's kept model only when asked for (`keep_models`)."""

    results: list[FitResult] = field(default_factory=list)
    first: nn.Module | None = None
    models: list[nn.Module] = field(default_factory=list)
    val_outputs: list[torch.Tensor] = field(default_factory=list)  # each split's kept model on its validation rows (CPU)

    @property
    def out_of_fold(self) -> torch.Tensor:
        """The kept models' outputs on every split's validation rows, in split order."""
        return torch.cat(self.val_outputs)

    @property
    def curves(self) -> list[list[float]]:
        return [r.curve for r in self.results]

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.results)

    @property
    def loss_curves(self) -> list[list[float]]:
        return [r.loss_curve for r in self.results]

    def choice(self, direction: str) -> Choice:
        return choose(self.curves, direction, self.loss_curves)


EpochHook = Callable[[int, int, float], bool | None]  # (split, epoch, validation value); may raise to stop, True ends the split's training
SplitHook = Callable[[int, "FoldRun"], bool | None]  # (split just finished, the run so far); may raise to stop, True trains no more splits


def train_splits(arch: Arch, splits: list[TaskData], seed: int, device: Any, first: nn.Module | None = None,
                 on_epoch: EpochHook | None = None, after_split: SplitHook | None = None,
                 keep_models: bool = False) -> FoldRun:
    """Train `arch` on each split in turn (data already on `device`).

    `first`: split 0's model when the caller already built it (the search measures its costs
    before training). The hooks may raise (optuna.TrialPruned) to stop between epochs or splits;
    `after_split` returning True ends the run with the splits trained so far (the study's first
    answer at the time budget's end: nas.search.objective).
    """
    run, cfg = FoldRun(), TrainConfig.from_arch(arch)
    for index, split in enumerate(splits):
        model = first if index == 0 and first is not None else build_seeded(arch, split, fold_seed(seed, index), device)
        hook = None if on_epoch is None else (lambda epoch, value, i=index: on_epoch(i, epoch, value))
        run.results.append(fit(model, split, cfg, seed=fold_seed(seed, index), on_epoch=hook))
        run.val_outputs.append(predict(model, split.val.X).cpu())
        if index == 0:
            run.first = model
        if keep_models:
            run.models.append(model)
        if after_split is not None and after_split(index, run):
            break  # the caller ends the candidate with the splits trained so far
    return run
