"""Resuming a study: is this run's data, seed and space compatible with what the study was made with?

A study remembers its task, dataset, seed, data fingerprint, fold count (`--cv`) and space. Resuming with different
data is refused; a space may only be widened (a numeric range made wider, a fixed value opened
into a range or choice that contains it), because Optuna cannot add choices to an existing study.
Every refusal says what changed and how to start a new study instead.
"""
from __future__ import annotations

import json
from typing import Any

from nas.errors import SpaceError, StoreError
from nas.space import Choice, Fixed, Range, parse_space, parse_value
from nas.space._grammar import RANGE_KEYS
from nas.store import StudyRecord, study_record


def check_compatible(study: Any, new: StudyRecord) -> list[str]:
    """Refuse to resume a study with different data, seed or space (say what changed, and how out).

    A widened space resumes (a range extended, a fixed value opened up to a range or choice that
    contains it): Optuna accepts wider numeric distributions, and the old trials still inform the
    sampler. Returns the widened keys. Optuna refuses new choices in a categorical parameter of an
    existing study, so an added choice is refused here, before a trial fails deep inside Optuna.
    """
    old = study_record(study)
    if old is None:
        return []
    how = "pass --study NEW to start a new study, or run with the study's original settings"
    for key, flag in (("task", "--task"), ("dataset", "--dataset"), ("seed", "--seed")):
        if getattr(old, key) != getattr(new, key):
            raise StoreError(f"study '{study.study_name}' was created with {flag} {getattr(old, key)}, not {getattr(new, key)}; {how}")
    if old.cv != new.cv:  # trials scored on other folds (or on the holdout split) do not rank together
        raise StoreError(f"study '{study.study_name}' was created with --cv {old.cv}, not --cv {new.cv}; {how}")
    if old.fingerprint != new.fingerprint:
        raise StoreError(f"study '{study.study_name}' was created on different data (split fingerprint changed); {how}")
    before, after = _params(_with_defaults(old.space)), _params(new.space)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    refused = [f"{k}: {_show(before.get(k))} -> {_show(after.get(k))}" for k in changed if not _widens(before.get(k), after.get(k))]
    if refused:
        raise StoreError(f"study '{study.study_name}' was created with a different search space "
                         f"({'; '.join(refused[:3])}{'; ...' if len(refused) > 3 else ''}); only widened ranges can "
                         f"resume (Optuna cannot add choices to an existing study); {how}")
    return changed


def _with_defaults(space: dict[str, Any]) -> dict[str, Any]:
    """The stored space with keys added to the schema since filled in at their defaults.

    A study made before a key existed (e.g. `train.ema`) ran with that key's default, which is
    what a resumed run gets too: without this the new key would read as a changed space.
    """
    try:
        return parse_space(space).to_dict()
    except SpaceError:  # no longer valid as a whole: compare key by key, as stored
        return space


def _params(space: dict[str, Any], path: str = "") -> dict[str, Any]:
    """'section.key' -> raw value (a range dict, a list of choices or a fixed value); with a
    family choice, 'families.rnn.section.key'. A mapping of range keys is a value, any other
    mapping a level of sections."""
    flat: dict[str, Any] = {}
    for key, body in space.items():
        if path or key != "name":
            nested = isinstance(body, dict) and not (body and set(body) <= set(RANGE_KEYS))
            flat.update(_params(body, f"{path}{key}.") if nested else {f"{path}{key}": body})
    return flat


def _show(raw: Any) -> str:
    return "absent" if raw is None else json.dumps(raw)


def _widens(old: Any, new: Any) -> bool:
    """True when every value the old parameter could take is a value of the new one (same kind)."""
    if old is None or new is None:
        return False
    try:
        a, b = parse_value(old), parse_value(new)
    except ValueError:
        return False
    if isinstance(a, Range) and isinstance(b, Range):
        same_kind = (a.integer, a.log, a.step) == (b.integer, b.log, b.step)
        on_grid = not a.step or abs((a.low - b.low) / a.step - round((a.low - b.low) / a.step)) < 1e-9
        return same_kind and on_grid and b.low <= a.low and b.high >= a.high
    if isinstance(a, Fixed) and isinstance(b, Choice):
        return a.value in b.options
    if isinstance(a, Fixed) and isinstance(b, Range) and isinstance(a.value, (int, float)):
        return b.low <= a.value <= b.high
    return False
