"""How numbers read in tables and summaries. No dependencies: the read commands import it without torch."""
from __future__ import annotations

from typing import Any

METRIC_LABELS = {"accuracy": "accuracy", "f1_macro": "macro-F1", "rmse": "RMSE", "mae": "MAE", "r2": "R²"}


def fmt(value: Any, digits: int = 4) -> str:
    """A metric for display: 4 decimals, or '-' for missing values."""
    return "-" if value is None else f"{value:.{digits}f}"


def format_metrics(values: dict[str, float]) -> str:
    """'accuracy 0.9561, macro-F1 0.9530' for summaries."""
    return ", ".join(f"{METRIC_LABELS.get(k, k)} {v:.4f}" for k, v in values.items())
