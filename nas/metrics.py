"""Validation / test metrics, computed on tensors where the data already lives.

Regression models are trained on standardised targets; metrics are reported in target units.
"""
from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import torch

from nas.data import Split, TaskData, to_target_units
from nas.format import format_metrics  # noqa: F401 - re-exported: callers read metrics from here

EVAL_BATCH = 4096


def better(a: float, b: float, direction: str) -> bool:
    """Is metric value `a` strictly better than `b` for a study of this direction?"""
    return a > b if direction == "maximize" else a < b


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


# Metrics shown next to the searched one (test split, target units): scikit-learn on numpy arrays,
# so the plain baseline (nas.baseline) is scored by exactly the same functions as the trials.
def classification_report(y: Any, pred: Any) -> dict[str, float]:
    """Accuracy and macro-F1 (the mean of per-class F1: a 95/5 majority guess scores ~0.49, not 0.95)."""
    from sklearn.metrics import accuracy_score, f1_score

    return {"accuracy": float(accuracy_score(y, pred)), "f1_macro": float(f1_score(y, pred, average="macro"))}


def regression_report(y: Any, pred: Any) -> dict[str, float]:
    """RMSE, MAE and R² in target units."""
    from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

    return {"rmse": float(mean_squared_error(y, pred) ** 0.5), "mae": float(mean_absolute_error(y, pred)),
            "r2": float(r2_score(y, pred))}


# target kind -> every metric shown for it, from (outputs, targets, preprocessing)
REPORTS: dict[str, Callable[[torch.Tensor, Any, dict[str, Any]], dict[str, float]]] = {
    "classification": lambda out, y, prep: classification_report(y, out.argmax(dim=1).numpy()),
    "regression": lambda out, y, prep: regression_report(to_target_units(y, prep),
                                                         to_target_units(out.squeeze(-1).numpy(), prep)),
}


def report(model: torch.nn.Module, split: Split, data: TaskData) -> dict[str, float]:
    """Every metric shown for the task kind on one split: accuracy + macro-F1, or RMSE + MAE + R²."""
    return scored(model, split, data)[1]


def scored(model: torch.nn.Module, split: Split, data: TaskData) -> tuple[float, dict[str, float]]:
    """`score` and `report` of one split from one pass over it (a MiniRocket pass over the test
    series of UCR PigCVP takes ~15 s on the CPU: a trial's test figures are not worth two)."""
    out = predict(model, split.X)
    return METRICS[data.metric](out, split.y, data), REPORTS[data.kind](out.cpu(), split.y.cpu().numpy(), data.preprocessing)
