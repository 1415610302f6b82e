"""`prepare(config) -> PreparedSearch`: validate everything, then create or resume the study.

Nothing is stored before every check passes (flags, space, data, sampler, resume compatibility).
The data, space, goals and sampler choice are built once here; parallel workers receive the
PreparedSearch (pickled) and only open their own connection and sampler.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import optuna

from nas import __version__
from nas.baseline import fit_baseline
from nas.data import DataSpec, TaskData, check_folds, load_data, make_folds
from nas.device import resolve_device
from nas.errors import SpaceError, UsageError
from nas.models import check_input, count_params
from nas.sample import linear_params
from nas.search.compat import check_compatible
from nas.search.config import (SearchConfig, check_config, env_worker_index, max_epochs, resolve_folds,
                               resolve_space)
from nas.search.events import SearchResult
from nas.store.leaderboard import ONE_SE_SCOPE
from nas.search.objectives import Goals, check_goals, make_goals
from nas.search.prescreen import PrescreenSampler, proxy_scorer
from nas.search.strategies import make_pruner, make_sampler
from nas.space import Space, parse_space
from nas.store import StudyRecord, attrs, mask_url, open_storage, storage_url, study_names, study_record
from nas.store.storage import HEARTBEAT_SECONDS

WORKER_SEED_STRIDE = 100_003
PRESCREEN_BATCH = 64


@dataclass
class PreparedSearch:
    """What every trial of a search shares, built once. `study` is this process's handle."""

    config: SearchConfig  # data spec resolved (task known, path absolute)
    data: TaskData
    space: Space
    goals: Goals
    device: Any
    record: StudyRecord
    sampler_name: str
    widened: bool
    n_before: int  # trials in the study before this run
    folds: int = 1  # cross-validation folds each trial is scored on (1: the holdout split)
    baseline: dict[str, Any] | None = None
    deadline: float | None = None  # time.time() when --timeout runs out (counted from the start of run_search)
    study: Any = field(default=None, repr=False, compare=False)

    @property
    def study_name(self) -> str:
        return self.config.study or f"{self.record.task}-{self.record.dataset}"

    def sampler(self, index: int) -> Any:
        """This worker's sampler. Its seed is offset by the trials already stored (a resumed run
        does not replay them) and by the worker's index (workers do not propose the same)."""
        seed = self.config.seed + self.n_before + WORKER_SEED_STRIDE * index
        sampler = make_sampler(self.sampler_name, seed, self.space, len(self.goals.directions), self.config.trials)
        if self.widened and isinstance(sampler, optuna.samplers.TPESampler):
            # Grouped multivariate TPE keeps the ranges of the study's first trials (it would never try
            # the widened part); univariate TPE reads each range from the current space.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True)
        return self._prescreened(sampler, seed) if self.config.prescreen > 1 else sampler

    def _prescreened(self, sampler: Any, seed: int) -> Any:
        """Wrap the sampler: each trial trains the best of `prescreen` candidates by parameter
        count (the proxy that ranked trained accuracy best, benchmarks/proxies.py); candidates that
        break a cost limit score -inf. Screened-out candidates are never stored or trained."""
        limits = self.config.limits
        fits = lambda model: limits.max_params is None or count_params(model) <= limits.max_params  # noqa: E731
        batch = lambda: self.data.train.X[:PRESCREEN_BATCH]  # noqa: E731
        score = proxy_scorer("params", self.data.input_shape, self.data.out_dim, batch, seed, feasible=fits)
        return PrescreenSampler(sampler, self.space, score, self.config.prescreen)

    def open_study(self, index: int = 0) -> Any:
        """Connect to the store (heartbeats on) and load the study with this worker's sampler."""
        storage = open_storage(self.config.storage, create=True, heartbeat=HEARTBEAT_SECONDS)
        return optuna.create_study(study_name=self.study_name, storage=storage, directions=self.goals.directions,
                                   sampler=self.sampler(index), pruner=self.pruner(),
                                   load_if_exists=True)

    def pruner(self) -> Any:
        """Pruner budgets in the steps a trial reports: folds with cross-validation, else epochs."""
        if self.folds > 1:
            return make_pruner(self.config.pruner, self.folds, folds=True)
        return make_pruner(self.config.pruner, max_epochs(self.space))

    def splits(self, data: TaskData) -> list[TaskData] | None:
        """The folds each trial trains on (`data` already on its device), or None for holdout.
        Shuffled with the study seed, so every worker and every resumed run cuts the same folds."""
        return make_folds(data, self.folds, self.config.seed) if self.folds > 1 else None

    def for_worker(self, index: int) -> PreparedSearch:
        """A copy to send to worker process `index` (no study handle: it opens its own)."""
        return replace(self, config=replace(self.config, workers=1, worker_index=index), study=None)

    def new_result(self) -> SearchResult:
        return SearchResult(study=self.study_name, storage=mask_url(storage_url(self.config.storage)),
                            metric=self.data.metric, direction=self.data.direction, total=self.config.trials,
                            leader_family=self.data.kind in ONE_SE_SCOPE,
                            baseline=self.baseline, folds=self.folds)


def _load(cfg: SearchConfig) -> tuple[SearchConfig, TaskData, Space, Goals]:
    """Check the flags, load space and data, parse the goals: nothing touches the store yet."""
    cfg = replace(cfg, data=cfg.data.resolved())
    check_config(cfg)
    space = resolve_space(str(cfg.task), cfg.space, cfg.epochs)
    data = load_data(cfg.data)  # errors name the path as typed; the study stores it absolute
    try:
        for family in space.families:  # a family choice: every family must take the data
            check_input(family, data.input_shape)
    except Exception as exc:
        raise UsageError(f"--space: {exc}") from None
    make_pruner(cfg.pruner, max_epochs(space))  # refuse a bad pruner name before touching the store
    if cfg.cv is not None:
        check_folds(data, cfg.cv)  # refuse more folds than the data allows before touching the store
    goals = make_goals(cfg.objectives, data, cfg.limits, cfg.latency_batch, cfg.pruner)
    if cfg.prescreen > 1 and goals.multi:
        raise UsageError("--prescreen: ranks candidates by parameter count, which works against a cost objective; "
                         "use it with one objective (cost limits are fine)")
    return replace(cfg, data=cfg.data.absolute()), data, space, goals


def probes(space: Space) -> list[dict[str, Any]]:
    """The first trials of a new study (parameters for `enqueue_trial`; the sampler picks the rest).

    - A space with a family choice tries each family once, in the space's order. Why: the
      sampler's random start-up may draw only slow families first (on OSULeaf, five conv1d and rnn
      trials of about a minute each scored 0.26-0.49 before the first rocket trial scored 0.93),
      and under a time budget the one family that suits the data may never be tried; a space that
      lists its cheap, strong family first (the shipped `sequence` space: rocket) has an answer
      within seconds.
    - Where the space can express a linear model (an mlp of depth 0), that is the mlp's probe, or
      the first trial of a space without a choice. Why: it is the model class of the baseline nas
      prints, fitted to its optimum in seconds (nas.sample.LINEAR), and never pruned
      (nas.search.pruning): every study then holds the baseline's class scored by the same folds
      as every candidate, and the one-standard-error rule picks it unless a network beats it by
      more than the noise (shampoo sales: the linear trial, sampled 18th, was pruned after a
      4-row first fold and a 10,000-feature rocket was shipped at twice the baseline's RMSE).
    """
    linear = linear_params(space) or {}
    if not space.family_choice:
        return [linear] if linear else []
    return [{"family": family, **(linear if linear.get("family") == family else {})} for family in space.families]


def probe_first(study: Any, space: Space, trials: int) -> None:
    """Enqueue `probes(space)` (at most `trials` of them) into a study that has no trial yet."""
    if not study.get_trials(deepcopy=False):
        for params in probes(space)[:trials]:
            study.enqueue_trial(params)


def _own_space(stored: dict[str, Any], shipped: Space, epochs: int | None) -> Space:
    """The space a study resumed without `--space` searches: the one it was made with, as its
    `--cv` is. Why: the task's shipped space may have changed since (a new release's tabular
    space), and a study's trials were sampled from its own; the new one would be refused as a
    different space. A stored space no longer valid gives way to the shipped one (the
    compatibility check then says what differs)."""
    try:
        own = parse_space(stored)
    except SpaceError:
        return shipped
    return own if epochs is None else own.with_epochs(int(epochs))


def prepare(cfg: SearchConfig) -> PreparedSearch:
    """Validate everything, then create or resume the study and record what it is."""
    device = resolve_device(cfg.device)  # first: before any parallel work (nas.device.flush_subnormals)
    cfg, data, space, goals = _load(cfg)
    sampler_name = cfg.sampler or ("nsga2" if goals.multi else "tpe")
    make_sampler(sampler_name, cfg.seed, space, len(goals.directions), cfg.trials)  # refuse a bad sampler early
    storage = open_storage(cfg.storage, create=True, heartbeat=HEARTBEAT_SECONDS)
    name = cfg.study or f"{cfg.task}-{data.name}"
    existing = optuna.load_study(study_name=name, storage=storage) if name in study_names(storage) else None
    old = study_record(existing) if existing is not None else None
    stored = DataSpec.from_dict(old.data_spec) if old is not None and isinstance(old.data_spec, dict) else None
    if stored is not None and old is not None and old.fingerprint != data.fingerprint() \
            and stored.readings() != cfg.data.readings():
        # stored before (some) dates or layouts were read so: read as it was
        cfg, data, space, goals = _load(replace(cfg, data=replace(cfg.data, **stored.readings())))
    if old is not None and cfg.space is None:
        space = _own_space(old.space, space, cfg.epochs)
    folds = resolve_folds(cfg.cv, data, old.cv if old is not None else None)
    record = StudyRecord(task=str(cfg.task), dataset=data.name, seed=cfg.seed, data_spec=cfg.data.to_dict(),
                         space=space.to_dict(), data=data.describe(), metric=data.metric,
                         direction=data.direction, version=__version__, objectives=goals.names, cv=folds)
    prepared = PreparedSearch(cfg, data, space, goals, device, record, sampler_name, widened=False, n_before=0,
                              folds=folds)
    if existing is not None:
        prepared.widened = bool(check_compatible(existing, record))
        check_goals(existing, goals)
        prepared.n_before = len(existing.get_trials(deepcopy=False))
    study = prepared.open_study(cfg.worker_index or env_worker_index())
    if old is None or old.space != record.space:
        study.set_user_attr(attrs.STUDY_RECORD, record.to_dict())  # new study, or a compatible widening
    if old is None:
        probe_first(study, space, cfg.trials)
    if attrs.BASELINE not in study.user_attrs:
        study.set_user_attr(attrs.BASELINE, fit_baseline(data, prepared.splits(data)))
    prepared.baseline, prepared.study = study.user_attrs.get(attrs.BASELINE), study
    return prepared
