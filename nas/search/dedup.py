"""Duplicate trials: a sampled configuration that exactly repeats a finished trial is not trained
again; the new trial reuses the earlier result, so a user never pays twice for the same model.

Samplers do repeat themselves: TPE on a small or mostly categorical space proposes the same
architecture + training knobs again and again once it has found a good region. "The same" means
equal `Arch.to_json()` (network and every training knob, epochs included). The earlier trial's
stored value and user attributes (curve, test score, checkpoint, ...) are copied and the new trial
gets `duplicate_of` = the number of the trial that was actually trained. A repeat of a pruned
trial is recorded as pruned with the same intermediate values; a repeat of a failed or still
running trial is trained (the failure may have been transient; the running one has no result yet).
A repeat does not count toward --trials (`Counts.counted`), and the ranking lists each
configuration once (nas.store.leaderboard.ranked_trials): 20 trials are 20 trained models.

The index of finished trials is built incrementally (each trial's arch is parsed once per process),
so the cost per trial stays flat as the study grows.
"""
from __future__ import annotations

from typing import Any

import optuna
from optuna.trial import TrialState

from nas.arch import Arch
from nas.errors import NasError
from nas.store import attrs

DUPLICATE_ATTR = attrs.DUPLICATE_OF
# Attributes that already hold the same value on the new trial, or that the new trial sets itself
# (its lease names the process running it, never the one that trained the original).
_NOT_COPIED = frozenset({attrs.ARCH, attrs.WORKER, DUPLICATE_ATTR})


class DuplicateIndex:
    """Maps the JSON of every finished (complete or pruned) trial's arch to that trial."""

    def __init__(self) -> None:
        self._seen: set[int] = set()
        self._by_key: dict[str, Any] = {}

    def _update(self, study: Any) -> None:
        for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED)):
            if t.number in self._seen:
                continue
            self._seen.add(t.number)
            if attrs.TOO_SLOW in t.user_attrs:  # stopped for the time left, no result: a repeat trains
                continue
            raw = t.user_attrs.get(attrs.ARCH)
            try:
                key = Arch.from_dict(raw).to_json() if raw is not None else None
            except NasError:
                key = None  # an unreadable stored arch can never be matched
            if key is not None and key not in self._by_key:
                self._by_key[key] = t  # the first (trained) trial of each configuration

    def find(self, study: Any, arch: Arch) -> Any | None:
        """The earliest finished trial of `study` with exactly this configuration, or None."""
        self._update(study)
        return self._by_key.get(arch.to_json())

    def reuse(self, trial: Any, arch: Arch) -> float | tuple[float, ...] | None:
        """Give `trial` the result of an earlier identical trial: its value (returned), or pruned.

        Returns None when there is no such trial (the caller trains). Raises optuna.TrialPruned
        when the earlier trial was pruned, after reporting the same intermediate values.
        """
        original = self.find(trial.study, arch)
        if original is None:
            return None
        for key, value in original.user_attrs.items():
            if key not in _NOT_COPIED:
                trial.set_user_attr(key, value)
        trial.set_user_attr(DUPLICATE_ATTR, original.number)
        if original.state == TrialState.PRUNED:
            for step, value in sorted(original.intermediate_values.items()):
                trial.report(value, step)
            raise optuna.TrialPruned(f"duplicate of trial {original.number}, which was pruned")
        values = tuple(float(v) for v in original.values)
        return values[0] if len(values) == 1 else values  # several objectives: all of them
