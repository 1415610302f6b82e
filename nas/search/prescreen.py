"""Training-free prescreening as a sampler wrapper: per trial slot, draw N candidates from the
inner sampler, score each with a proxy in milliseconds, and let the trial run only the best.

`PrescreenSampler(inner, space, score, candidates=N)` wraps any Optuna sampler. When Optuna opens
a trial, `before_trial` draws N candidate configurations through the inner sampler exactly the way
a trial would (its `before_trial`, `infer_relative_search_space` / `sample_relative`, then
`sample_independent` for every parameter the space's own code path asks for, via
`nas.sample.sample_arch` on a stand-in trial object), scores each candidate's architecture, and
keeps the best one's parameters. The trial's own suggestions are then answered with exactly those
values. A candidate whose parameters repeat another trial's (finished, running or waiting; not a
failed one) is not scored and never chosen while any new candidate is left: the search would
only reuse the earlier result (nas.dedup), and a greedy proxy such as `params` keeps proposing
the same largest configuration. The screened-out candidates are never trials: they are not stored, not counted against
`--trials`, never built into a model that trains. The trial records `prescreen:scores` (every
candidate's score, in drawn order) and `prescreen:chosen` (the index of the one it runs) as
system attributes (`"repeat"` for a skipped repeat, None for a candidate that could not be scored).

Not prescreened: a trial with fixed parameters (an enqueued or re-queued configuration) runs as
given. Candidates are drawn from the inner sampler's current model of the study, so TPE draws N
times from its density and evolution makes N children (tournament + mutation each); the one
chosen is recorded by `nas.search.evolution` as its real child. The score is higher-is-better; a
candidate that cannot be scored (its builder raises) scores -inf.
"""
from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable, Sequence
from typing import Any

from optuna.distributions import (BaseDistribution, CategoricalDistribution, FloatDistribution,
                                  IntDistribution, _get_single_value)
from optuna.samplers import BaseSampler
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from nas.arch import Arch
from nas.errors import UsageError
from nas.models import build_model
from nas.sample import sample_arch
from nas.search.proxies import get_proxy
from nas.space import Space

SCORES_ATTR = "prescreen:scores"
REPEAT = "repeat"  # the score shown for a candidate that repeats an earlier trial (not scored)
CHOSEN_ATTR = "prescreen:chosen"
Score = Callable[[Arch], float]


def _contains(dist: BaseDistribution, value: Any) -> bool:
    try:
        return bool(dist._contains(dist.to_internal_repr(value)))
    except (ValueError, TypeError):
        return False


class _Candidate:
    """Stands in for an Optuna trial while one candidate is drawn: answers `suggest_*` the way
    `optuna.Trial` does (single values, then relative, then independent sampling), but stores
    nothing. `frozen` is the trial as the inner sampler sees it, with this candidate's params."""

    def __init__(self, sampler: BaseSampler, study: Study, trial: FrozenTrial) -> None:
        self.sampler, self.study = sampler, study
        self.frozen = copy.copy(trial)
        self.frozen.params, self.frozen.distributions = {}, {}
        self.frozen.system_attrs = dict(trial.system_attrs)
        sampler.before_trial(study, self.frozen)
        self._space = sampler.infer_relative_search_space(study, self.frozen)
        self._relative = sampler.sample_relative(study, self.frozen, self._space)

    def suggest_categorical(self, name: str, choices: Sequence[Any]) -> Any:
        return self._suggest(name, CategoricalDistribution(choices))

    def suggest_int(self, name: str, low: int, high: int, *, step: int = 1, log: bool = False) -> int:
        return self._suggest(name, IntDistribution(low, high, log=log, step=step))

    def suggest_float(self, name: str, low: float, high: float, *, step: float | None = None, log: bool = False) -> float:
        return self._suggest(name, FloatDistribution(low, high, log=log, step=step))

    def _suggest(self, name: str, dist: BaseDistribution) -> Any:
        if name in self.frozen.params:
            return self.frozen.params[name]
        if dist.single():
            value = _get_single_value(dist)
        elif name in self._relative and name in self._space and _contains(dist, self._relative[name]):
            value = self._relative[name]
        else:
            value = self.sampler.sample_independent(self.study, self.frozen, name, dist)
        self.frozen.params[name] = value
        self.frozen.distributions[name] = dist
        return value


class PrescreenSampler(BaseSampler):
    """Wraps `inner`: each trial runs the best-scoring of `candidates` configurations it drew.

    Args:
        inner: the sampler that proposes candidates (TPE, random, evolution, ...).
        space: the search space; candidates are drawn through `nas.sample.sample_arch`.
        score: architecture -> score, higher is better (see `proxy_scorer`).
        candidates: configurations drawn per trial; 1 turns prescreening off.
    """

    def __init__(self, inner: BaseSampler, space: Space, score: Score, candidates: int = 8) -> None:
        if candidates < 1:
            raise UsageError(f"--prescreen: must be at least 1, got {candidates}")
        self.inner, self.space, self.score, self.candidates = inner, space, score, candidates
        self._chosen: dict[int, dict[str, Any]] = {}  # trial id -> the chosen candidate's params

    def reseed_rng(self) -> None:
        self.inner.reseed_rng()

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        if self.candidates == 1 or trial.system_attrs.get("fixed_params"):
            self.inner.before_trial(study, trial)
            return
        seen = _configurations(study, trial)
        drawn: list[_Candidate] = []
        scores: list[float] = []
        shown: list[float | str | None] = []
        for _ in range(self.candidates):  # one whole candidate at a time: a sampler's per-trial state
            drawn.append(_Candidate(self.inner, study, trial))  # (evolution's parent) is the latest
            arch = sample_arch(self.space, drawn[-1])
            repeat = _key(drawn[-1].frozen.params) in seen
            scores.append(-math.inf if repeat else self._safe_score(arch))
            shown.append(REPEAT if repeat else _json_float(scores[-1]))
        best = max(range(len(drawn)), key=lambda i: (scores[i], -i))  # the first of equal best
        self._chosen[trial._trial_id] = dict(drawn[best].frozen.params)
        study._storage.set_trial_system_attr(trial._trial_id, SCORES_ATTR, shown)
        study._storage.set_trial_system_attr(trial._trial_id, CHOSEN_ATTR, best)

    def _safe_score(self, arch: Arch) -> float:
        try:
            value = float(self.score(arch))
        except Exception:  # noqa: BLE001 - an unscorable candidate is just not preferred
            return -math.inf
        return value if not math.isnan(value) else -math.inf

    def infer_relative_search_space(self, study: Study, trial: FrozenTrial) -> dict[str, BaseDistribution]:
        if trial._trial_id in self._chosen:
            return {}  # every parameter comes from the chosen candidate
        return self.inner.infer_relative_search_space(study, trial)

    def sample_relative(self, study: Study, trial: FrozenTrial, search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        if trial._trial_id in self._chosen:
            return {}
        return self.inner.sample_relative(study, trial, search_space)

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        chosen = self._chosen.get(trial._trial_id, {})
        if param_name in chosen and _contains(param_distribution, chosen[param_name]):
            return chosen[param_name]
        return self.inner.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState, values: Sequence[float] | None) -> None:
        self._chosen.pop(trial._trial_id, None)
        self.inner.after_trial(study, trial, state, values)


def _key(params: dict[str, Any]) -> str:
    return json.dumps(params, sort_keys=True, default=str)


def _configurations(study: Study, trial: FrozenTrial) -> set[str]:
    """The parameters of every other trial that has run, runs or waits (failed ones may be retried)."""
    states = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.RUNNING, TrialState.WAITING)
    return {_key(t.params) for t in study.get_trials(deepcopy=False, states=states)
            if t._trial_id != trial._trial_id and t.params}


def _json_float(value: float) -> float | None:
    """Scores as stored: finite floats, None for a candidate that could not be scored."""
    return round(value, 6) if math.isfinite(value) else None


def proxy_scorer(proxy: str, input_shape: tuple[int, ...], out_dim: int, batch: Callable[[], Any],
                 seed: int = 0, feasible: Callable[[Any], bool] | None = None) -> Score:
    """Architecture -> proxy score: build the model (weights from `seed`, without disturbing the
    global torch generator, which the trial's own seeding owns), score it on `batch()` (called
    once, on first use; its device is the model's). `feasible(model)` False (e.g. a cost limit
    the model breaks) scores -inf, so a limit is never broken for a higher proxy score."""
    import torch

    fn, cached = get_proxy(proxy), []

    def score(arch: Arch) -> float:
        if not cached:
            cached.append(batch())
        x = cached[0]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            model = build_model(arch, input_shape, out_dim).to(x.device)
        if feasible is not None and not feasible(model):
            return -math.inf
        return fn(model, x)

    return score
