"""How numbers read in tables and summaries. No dependencies: the read commands import it without torch."""
from __future__ import annotations

from typing import Any

METRIC_LABELS = {"accuracy": "accuracy", "f1_macro": "macro-F1", "rmse": "RMSE", "mae": "MAE", "r2": "R²"}


def fmt(value: Any, digits: int = 4) -> str:
    """A metric for display: 4 decimals; a value under 0.1 in 4 significant digits (the RMSE of
    a target measured in thousandths: 0.0007583 against the baseline's 0.0007626, where 4
    decimals print 0.0008 twice and a win reads as a tie; a near-exact fit 1.531e-05, not
    0.0000, which reads as a perfect fit; 0.02, not 0.02000); '-' for missing values."""
    if value is None:
        return "-"
    if value != 0 and abs(value) < 0.1:
        return f"{value:.{digits}g}"
    return f"{value:.{digits}f}"


def format_metrics(values: dict[str, float]) -> str:
    """'accuracy 0.9561, macro-F1 0.9530' for summaries."""
    return ", ".join(f"{METRIC_LABELS.get(k, k)} {fmt(v)}" for k, v in values.items())


def format_blend_trials(blend: list[dict[str, Any]]) -> str:
    """'10 (0.95), 3 (0.05)': a blended final model's trials and weights (nas.search.blend)."""
    return ", ".join(f"{b['trial']} ({b['weight']:.2f})" for b in blend)


# a final model's kind (nas.search.refit) -> what each blended trial's model is
EACH_FINAL = {"ensemble": "the ensemble of its fold models", "refit": "refit on train + validation for its chosen epochs",
              "pair": "its refit on train + validation averaged with its search-time model"}


def format_blend(blend: list[dict[str, Any]], kind: str | None) -> str:
    """'blend of trials 10 (0.95), 3 (0.05) by ensemble selection, each the ensemble of its fold
    models': what a `--blend` final model is, for the search summary and `nas export`."""
    return f"blend of trials {format_blend_trials(blend)} by ensemble selection, each {EACH_FINAL.get(kind, EACH_FINAL['refit'])}"
