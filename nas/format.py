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


def format_blend_trials(blend: list[dict[str, Any]]) -> str:
    """'10 (0.95), 3 (0.05)': a blended final model's trials and weights (nas.search.blend)."""
    return ", ".join(f"{b['trial']} ({b['weight']:.2f})" for b in blend)


def format_blend(blend: list[dict[str, Any]], kind: str | None) -> str:
    """'blend of trials 10 (0.95), 3 (0.05) by ensemble selection, each the ensemble of its fold
    models': what a `--blend` final model is, for the search summary and `nas export`."""
    each = "the ensemble of its fold models" if kind == "ensemble" else "refit on train + validation for its chosen epochs"
    return f"blend of trials {format_blend_trials(blend)} by ensemble selection, each {each}"
