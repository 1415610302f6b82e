"""The value grammar: a scalar is fixed, a list is a categorical choice, a mapping is a range.

    channels: 32                                   # Fixed(32)
    channels: [16, 32, 64]                         # Choice((16, 32, 64))
    lr: {low: 1.0e-4, high: 1.0e-2, log: true}     # Range(1e-4, 1e-2, log=True)
    channels: {low: 16, high: 128, step: 16}       # Range(16, 128, step=16), integers

Parsing here is structural; `_schema` checks each value against what its key allows. What no
key accepts is refused here, for every key alike (issue 14, found by fuzzing): numbers that are
not finite (`.nan`, `.inf`, or the strings 'nan', '1e400'), integers beyond any bound, and a
`step` so small that the range has more grid points than a sampler can count. A stepped range
must end on a step (Optuna would otherwise cut `high` with a warning the user never asked for).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Union

RANGE_KEYS = ("low", "high", "step", "log")
MAX_MAGNITUDE = 2.0**63  # far beyond every key's bounds; keeps float() and Optuna from overflowing
MAX_GRID = 10**9  # grid points of a stepped range (Optuna's decimal arithmetic fails far above this)


@dataclass(frozen=True)
class Fixed:
    """A value that is not searched."""

    value: Any


@dataclass(frozen=True)
class Choice:
    """A categorical choice among JSON scalars."""

    options: tuple[Any, ...]


@dataclass(frozen=True)
class Range:
    """A numeric range; integer when `integer` is true (low, high and step all integers)."""

    low: float
    high: float
    step: float | None = None
    log: bool = False
    integer: bool = False

    def count(self) -> int | None:
        """Number of distinct values, or None when the range is continuous."""
        if self.integer:
            return int((self.high - self.low) // (self.step or 1)) + 1
        if self.step:
            return int(math.floor((self.high - self.low) / self.step + 1e-9)) + 1  # finite: MAX_GRID
        return None

    def as_real(self) -> Range:
        """The same range over real numbers (a float key given integer bounds is still continuous)."""
        step = float(self.step) if self.step is not None else None
        return Range(float(self.low), float(self.high), step, self.log, integer=False)

    def values(self) -> list[float]:
        """The endpoints (and step grid points when small): used to type-check the range."""
        return [self.low, self.high]


Param = Union[Fixed, Choice, Range]


class GrammarError(ValueError):
    """Raised with a message that lacks only the file name and key path."""


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_finite(value: Any) -> None:
    """GrammarError for a number (or numeric string) that is NaN, infinite or beyond any bound."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return  # a name, not a number
    if _is_number(value) and not (abs(value) < MAX_MAGNITUDE):  # also false for NaN
        raise GrammarError(f"{value!r} is not a usable number (NaN, infinite or beyond any bound)")


def _number(value: Any, what: str) -> float | int:
    """Accept numbers and numeric strings (YAML 1.1 reads `1e-4` as a string)."""
    _check_finite(value)
    if _is_number(value):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
        try:
            return float(value)
        except ValueError:
            pass
    raise GrammarError(f"{what} must be a number, got {value!r}")


def _parse_range(raw: dict[str, Any]) -> Range:
    unknown = [k for k in raw if k not in RANGE_KEYS]
    if unknown:
        from nas.errors import nearest

        raise GrammarError(f"unknown range key '{unknown[0]}'{nearest(str(unknown[0]), RANGE_KEYS)}")
    if "low" not in raw or "high" not in raw:
        raise GrammarError("a range needs both 'low' and 'high'")
    low, high = _number(raw["low"], "low"), _number(raw["high"], "high")
    step = _number(raw["step"], "step") if raw.get("step") is not None else None
    log = raw.get("log", False)
    if not isinstance(log, bool):
        raise GrammarError(f"'log' must be true or false, got {log!r}")
    if low > high:
        raise GrammarError(f"low ({low}) is greater than high ({high})")
    if log and low <= 0:
        raise GrammarError(f"a log range needs low > 0, got low={low}")
    if step is not None and step <= 0:
        raise GrammarError(f"step must be > 0, got {step}")
    if log and step is not None:
        raise GrammarError("a range cannot have both 'log' and 'step'")
    if step is not None:
        _check_steps(low, high, step)
    integer = all(isinstance(v, int) for v in (low, high)) and (step is None or isinstance(step, int))
    return Range(low=low, high=high, step=step, log=log, integer=integer)


def _check_steps(low: float, high: float, step: float) -> None:
    """A stepped range has a countable grid that ends on `high` (decimal arithmetic, as Optuna's)."""
    if (high - low) / step >= MAX_GRID:
        raise GrammarError(f"step {step} makes more than {MAX_GRID:,} values; use a larger step or no step")
    span, d_step = Decimal(str(high)) - Decimal(str(low)), Decimal(str(step))
    if span % d_step:
        end = span // d_step * d_step + Decimal(str(low))
        raise GrammarError(f"high - low is not a whole number of steps of {step}: use high: {end} or {end + d_step}")


def parse_value(raw: Any) -> Param:
    """Turn one YAML value into a Param; raises GrammarError on malformed input."""
    if isinstance(raw, list):
        if not raw:
            raise GrammarError("empty choice list")
        bad = [v for v in raw if isinstance(v, (list, dict))]
        if bad:
            raise GrammarError(f"choices must be scalars, got {bad[0]!r}")
        if len(set(map(repr, raw))) != len(raw):
            raise GrammarError(f"duplicate choices in {raw!r}")
        for option in raw:
            _check_finite(option)
        return Choice(tuple(raw))
    if isinstance(raw, dict):
        return _parse_range(raw)
    if raw is None:
        raise GrammarError("no value given")
    _check_finite(raw)
    return Fixed(raw)


def to_raw(param: Param) -> Any:
    """Inverse of parse_value, for storing a space as plain JSON."""
    if isinstance(param, Fixed):
        return param.value
    if isinstance(param, Choice):
        return list(param.options)
    raw: dict[str, Any] = {"low": param.low, "high": param.high}
    if param.step is not None:
        raw["step"] = param.step
    if param.log:
        raw["log"] = True
    return raw
