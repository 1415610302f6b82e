"""`nas predict`: a bundle + new raw inputs -> one row per input (class and probability, or value).

Only the bundle is read (no study, no store). Inputs are read and preprocessed by
`nas.data.inputs.read_inputs` with the bundle's stored data description, exactly as the
training data was.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from nas.data import to_target_units
from nas.data.inputs import read_inputs
from nas.data.tables import as_numbers, class_name, missing_cells
from nas.errors import UsageError, nearest
from nas.metrics import classification_report, predict, regression_report
from nas.ship.bundle import Bundle


def _class_rows(out: torch.Tensor, names: list[str], info: dict[str, Any]) -> list[dict[str, Any]]:
    """Classification: the most probable class and its probability (softmax of the output)."""
    probs = torch.softmax(out, dim=1)
    best, index = probs.max(dim=1)
    classes = info.get("class_names") or [str(i) for i in range(probs.shape[1])]
    return [{"input": n, "class": classes[int(i)], "probability": round(float(p), 6)}
            for n, i, p in zip(names, index, best)]


def _value_rows(out: torch.Tensor, names: list[str], info: dict[str, Any]) -> list[dict[str, Any]]:
    """Regression: the output turned back from standardised units into target units."""
    values = to_target_units(out.reshape(len(names), -1)[:, 0], info.get("preprocessing", {}))
    return [{"input": n, "value": float(v)} for n, v in zip(names, values)]


ROWS: dict[str, Callable[[torch.Tensor, list[str], dict[str, Any]], list[dict[str, Any]]]] = {
    "classification": _class_rows,
    "regression": _value_rows,
}


def predict_inputs(bundle: Bundle, inputs: str | Path, device: Any) -> tuple[list[dict[str, Any]], np.ndarray | None]:
    """Read `inputs` (image, image folder, .npz, .csv, .parquet, .ts, .tsf), preprocess, run the model: one row each,
    and the answers the input held beside them, if any (`nas.data.inputs.Inputs`)."""
    read = read_inputs(inputs, bundle.data)
    out = predict(bundle.model, torch.from_numpy(read.X).to(device)).cpu()
    rows = ROWS[bundle.data["kind"]](out, read.names, bundle.data)
    if read.offset is not None and read.unit is not None:  # a .tsf window's change, back in its series' units
        rows = [{**row, "value": float(o + u * row["value"])} for row, o, u in zip(rows, read.offset, read.unit)]
    return rows, read.answers


def _label(value: Any) -> str:
    """An answer as the model's class names spell it: 2, 2.0 and '2' are '2'."""
    try:
        return class_name(float(value))
    except (TypeError, ValueError):
        return str(value).strip()


@dataclass(frozen=True)
class Scored:
    """How predictions did against the answers an input held: the task's report on `rows` rows,
    or why they were not scored (`reason`)."""

    metrics: dict[str, float]
    rows: int
    reason: str = ""


def score_answers(rows: list[dict[str, Any]], answers: np.ndarray, info: dict[str, Any]) -> Scored:
    """The task's report (accuracy and macro-F1, or RMSE, MAE and R² in target units) of the
    predictions on the rows whose answer is given (missing cells skipped). Not scored: answers
    that name a class the model does not know (every such row would count as wrong: a relabelled
    folder, not a worse model), or that are not numbers for a regression."""
    given = ~missing_cells(np.asarray(answers, dtype=str))
    if info["kind"] == "classification":
        true = [_label(a) for a in answers[given]]
        unknown = sorted(set(true) - set(info.get("class_names") or []))
        if unknown:
            return Scored({}, 0, f"'{unknown[0]}' is not one of the model's classes ({', '.join(info['class_names'][:5])}"
                                 f"{', ...' if len(info['class_names']) > 5 else ''})")
        pred = [r["class"] for r, g in zip(rows, given) if g]
        return Scored(classification_report(true, pred) if true else {}, len(true))
    values = as_numbers(np.asarray(answers, dtype=str))
    if values is None:
        return Scored({}, 0, "the answers are not numbers")
    keep = given & np.isfinite(values)
    pred = [r["value"] for r, k in zip(rows, keep) if k]
    return Scored(regression_report(values[keep], pred) if pred else {}, len(pred))


def _csv(rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["input"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()


def _json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, indent=2) + "\n"


RENDERERS: dict[str, Callable[[list[dict[str, Any]]], str]] = {"csv": _csv, "json": _json}


def check_format(fmt: str) -> None:
    if fmt not in RENDERERS:
        raise UsageError(f"--format: unknown output format '{fmt}'{nearest(fmt, RENDERERS)}")


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    """The rows as CSV (header + one line per input) or a JSON list."""
    check_format(fmt)
    return RENDERERS[fmt](rows)
