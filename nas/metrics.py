"""Validation / test metrics, computed on tensors where the data already lives.

Regression models are trained on standardised targets; metrics are reported in target units.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import torch

from nas.data import Split, TaskData

EVAL_BATCH = 4096


def autocast(device: torch.device) -> Any:
    """bf16 autocast on CUDA; nothing on the CPU (bf16 matmuls are slower there)."""
    if device.type == "cuda":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    return nullcontext()


@torch.no_grad()
def predict(model: torch.nn.Module, X: torch.Tensor) -> torch.Tensor:
    """Model outputs for all rows of X, in float32, in eval mode, batched to bound memory."""
    model.eval()
    outs = []
    with autocast(X.device):
        for i in range(0, X.shape[0], EVAL_BATCH):
            outs.append(model(X[i : i + EVAL_BATCH]).float())
    return torch.cat(outs) if outs else torch.empty(0)


def _accuracy(out: torch.Tensor, y: torch.Tensor, data: TaskData) -> float:
    return float((out.argmax(dim=1) == y).float().mean())


def _rmse(out: torch.Tensor, y: torch.Tensor, data: TaskData) -> float:
    _, std = data.target_scale
    return float(torch.sqrt(torch.mean((out.squeeze(-1) - y) ** 2)) * std)


METRICS: dict[str, Callable[[torch.Tensor, torch.Tensor, TaskData], float]] = {
    "accuracy": _accuracy,
    "rmse": _rmse,
}


def score(model: torch.nn.Module, split: Split, data: TaskData) -> float:
    """The task's metric (accuracy or RMSE) of `model` on one split."""
    return METRICS[data.metric](predict(model, split.X), split.y, data)
