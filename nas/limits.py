"""The valid range of every numeric command-line value, declared once.

Why one table: ranges checked case by case were missed where nobody thought of them (issue 14:
`--window 0` on a series CSV trained and wrote a study). The CLI options (`nas.commands`) take
their check and their help text from here, and the library checks the same values with
`check_values` / `check_fields` before anything is stored, so `nas search ...` and `run_search(SearchConfig(...))`
refuse the same inputs with the same line:

    --window: must be at least 1, got 0 (steps per input window)

Integers must be integers (a bool or a float is refused), numbers must be finite (`nan`, `inf`).
The bounds are generous: they exist so that an absurd value is one clear line instead of an
overflow deep in numpy, sklearn or Optuna.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nas.errors import UsageError

SEED_MAX = 2**31 - 1  # the sampler adds trial counts and worker offsets; numpy seeds stop at 2**32 - 1


@dataclass(frozen=True)
class Limit:
    """Bounds of one flag: `low <= value <= high` (`low < value` when `above` is true)."""

    low: float
    high: float
    meaning: str
    integer: bool = True
    above: bool = False  # an open lower bound: the value must be greater than `low`

    def text(self) -> str:
        """The range as help text shows it, e.g. '1..256' or '> 0'."""
        if self.above:
            return f"> {_num(self.low)}"
        return f"{_num(self.low)}..{_num(self.high)}" if math.isfinite(self.high) else f">= {_num(self.low)}"


LIMITS: dict[str, Limit] = {
    "--trials": Limit(1, 1_000_000, "finished trials wanted in the study"),
    "--epochs": Limit(1, 100_000, "training epochs"),  # = the space's train.epochs bounds (a test checks)
    "--seed": Limit(0, SEED_MAX, "seed of the split, the sampler and the trials"),
    "--workers": Limit(1, 256, "worker processes"),
    "--prescreen": Limit(1, 1000, "candidates screened per trial"),
    "--cv": Limit(1, 10_000, "cross-validation folds (1: holdout)"),
    "--threads": Limit(1, 1024, "CPU threads per worker"),
    "--window": Limit(1, 100_000, "steps per input window"),
    "--image-size": Limit(1, 4096, "image side in pixels"),
    "--latency-batch": Limit(1, 65_536, "batch size of the second latency measurement"),
    "--max-params": Limit(0, math.inf, "parameter limit", integer=False, above=True),
    "--max-flops": Limit(0, math.inf, "FLOPs-per-sample limit", integer=False, above=True),
    "--max-latency-ms": Limit(0, math.inf, "latency limit in milliseconds", integer=False, above=True),
    "--timeout": Limit(0, 10 * 365 * 86_400, "wall-clock budget in seconds", integer=False, above=True),
    "--samples": Limit(0, 1000, "sampled architectures to show"),
    "--top": Limit(1, 1_000_000, "trials to show"),
    "--trial": Limit(0, 100_000_000, "trial number"),
    "--ensemble": Limit(2, 64, "trials averaged in the ensemble"),
}


def _num(x: float) -> str:
    """1000000 as '1000000' (not '1e+06'), 0.5 as '0.5'; a huge integer by its size only."""
    if isinstance(x, int):
        return str(x) if abs(x) < 10**15 else f"{'-' if x < 0 else ''}about 2**{x.bit_length()}"
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else f"{x:g}"


def _kind_error(flag: str, limit: Limit, value: Any) -> str | None:
    """Why `value` is not a number of the right kind, or None when it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{flag}: expected {'an integer' if limit.integer else 'a number'}, got {value!r}"
    if limit.integer and not isinstance(value, int):
        return f"{flag}: expected an integer, got {value!r}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{flag}: must be a finite number, got {value}"
    return None


def check(flag: str, value: Any) -> Any:
    """Return `value` when it is within the flag's range; UsageError (one line) otherwise."""
    limit = LIMITS[flag]
    problem = _kind_error(flag, limit, value)
    if problem:
        raise UsageError(problem)
    shown = _num(value)
    if limit.above and value <= limit.low:
        raise UsageError(f"{flag}: must be {'positive' if limit.low == 0 else f'above {_num(limit.low)}'}, "
                         f"got {shown} ({limit.meaning})")
    if value < limit.low:
        raise UsageError(f"{flag}: must be at least {_num(limit.low)}, got {shown} ({limit.meaning})")
    if value > limit.high:
        raise UsageError(f"{flag}: must be at most {_num(limit.high)}, got {shown} ({limit.meaning})")
    return value


# `nas search` flag -> its SearchConfig field: `check_fields(cfg)` is the library's range check.
SEARCH_FIELDS: dict[str, str] = {
    "--trials": "trials", "--timeout": "timeout", "--epochs": "epochs", "--seed": "data.seed",
    "--window": "data.window", "--image-size": "data.image_size", "--latency-batch": "latency_batch",
    "--max-params": "limits.max_params", "--max-flops": "limits.max_flops",
    "--max-latency-ms": "limits.max_latency_ms", "--workers": "workers", "--threads": "threads",
    "--prescreen": "prescreen", "--cv": "cv",
}


def check_values(values: Mapping[str, Any]) -> None:
    """Check several flags at once (flag -> value; None means 'not given' and is skipped).

    The library's config checks call this with the same flag names the CLI uses.
    """
    for flag, value in values.items():
        if value is not None:
            check(flag, value)


def check_fields(config: Any, fields: Mapping[str, str] = SEARCH_FIELDS) -> None:
    """Check the numeric fields of a config object (flag -> attribute path, e.g. `data.window`),
    by default a SearchConfig."""
    check_values({flag: _attr(config, path) for flag, path in fields.items()})


def _attr(obj: Any, path: str) -> Any:
    for name in path.split("."):
        obj = getattr(obj, name)
    return obj
