"""The search: the objective (sample -> build -> fit -> report / prune -> store) and the study loop.

`run_search(SearchConfig, observer)` is the library entry point behind `nas search`. The
observer receives progress events; the CLI renders them, a script can ignore them.
"""
from __future__ import annotations

import errno
import gc
import time
from dataclasses import dataclass, replace
from typing import Any

from nas.arch import Arch
from nas.data import DataSpec, TaskData, load_data
from nas.errors import StoreError, TrialError, UsageError
from nas.compat import check_compatible
from nas.space import Space, load_space, shipped_space

TRIAL_SEED_MULTIPLIER = 1_000_003
MAX_CONSECUTIVE_FAILURES = 10


class TrialFailed(TrialError):
    """Raised out of the objective so Optuna records the trial as failed (its reason is stored)."""


@dataclass
class SearchConfig:
    """Everything `nas search` takes. Defaults are the CLI's defaults."""

    task: str | None = None  # None: inferred from --data / --dataset, else image
    dataset: str | None = None
    space: str | None = None
    trials: int = 20
    timeout: float | None = None
    epochs: int | None = None
    seed: int = 0
    device: str = "auto"
    study: str | None = None
    storage: str | None = None
    artifacts: str | None = None
    sampler: str | None = None  # None: tpe for one objective, nsga2 for several
    pruner: str = "median"
    data: str | None = None  # the user's data file or folder (--data)
    target: str | None = None
    window: int | None = None
    image_size: int | None = None
    kind: str | None = None
    # issue 6: objectives, cost limits, latency batch (see nas/objectives.py)
    objectives: str | None = None
    max_params: float | None = None
    max_flops: float | None = None
    max_latency_ms: float | None = None
    latency_batch: int = 64
    workers: int = 1  # issue 5: worker processes sharing the study (nas.workers)
    worker_index: int = 0
    threads: int | None = None  # CPU threads per worker (default: torch's, split between workers)


@dataclass
class SearchResult:
    study: str
    storage: str
    metric: str
    direction: str
    total: int
    complete: int = 0
    pruned: int = 0
    failed: int = 0
    rejected: int = 0
    ran: int = 0
    seconds: float = 0.0
    best: dict[str, Any] | None = None
    interrupted: bool = False
    stopped_reason: str | None = None
    baseline: dict[str, Any] | None = None
    signal: int | None = None  # issue 5: SIGINT (2) or SIGTERM (15) when interrupted


class SearchObserver:
    """Progress events of a search; every method is a no-op here. The CLI subclasses it."""

    def search_started(self, study: str, storage: str, done: int, total: int, data: TaskData, device: Any) -> None: ...
    def trial_started(self, number: int, summary: str, epochs: int) -> None: ...
    def epoch_done(self, number: int, epoch: int, value: float) -> None: ...
    def trial_finished(self, row: dict[str, Any]) -> None: ...
    def search_finished(self, result: SearchResult) -> None: ...


def trial_seed(study_seed: int, number: int) -> int:
    """A trial's seed, derived from the study seed and trial number (stored with the trial)."""
    return (study_seed * TRIAL_SEED_MULTIPLIER + number) % (2**31 - 1)


def resolve_space(task: str, space: str | None, epochs: int | None) -> Space:
    """The space file (a path, or a shipped name; the task's own by default), epochs overridden."""
    from pathlib import Path

    path = Path(space) if space and (Path(space).exists() or space.endswith((".yaml", ".yml"))) else shipped_space(space or task)
    loaded = load_space(path)
    return loaded if epochs is None else loaded.with_epochs(int(epochs))


def max_epochs(space: Space) -> int:
    return space.max_epochs()


class Objective:
    """Called by Optuna once per trial. Every exception but pruning becomes a recorded failure."""

    def __init__(self, space: Space, data: TaskData, device: Any, seed: int, store: Any,
                 observer: SearchObserver, goals: Any = None) -> None:
        from nas.objectives import Goals, parse_objectives

        self.space, self.data, self.device, self.seed = space, data, device, seed
        self.store, self.observer = store, observer
        self.goals = goals or Goals(parse_objectives(None, data.metric, data.direction))
        self.before_trial: Any = lambda trial: None  # issue 5: set by nas.workers.run_trials (lease, gate)
        self.current: int | None = None
        from nas.dedup import DuplicateIndex  # issue 7: repeated configurations reuse results

        self.duplicates = DuplicateIndex()

    def __call__(self, trial: Any) -> float | tuple[float, ...]:
        import optuna

        from nas.device import free_memory
        from nas.models import summarize
        from nas.sample import sample_arch

        self.current = trial.number
        self.before_trial(trial)
        arch = sample_arch(self.space, trial)
        seed = trial_seed(self.seed, trial.number)
        trial.set_user_attr("arch", arch.to_dict())
        trial.set_user_attr("seed", seed)
        self.observer.trial_started(trial.number, summarize(arch), int(arch.train.get("epochs", 1)))
        reason: str | None = None
        try:
            reused = self.duplicates.reuse(trial, arch)  # issue 7: never train the same config twice
            return reused if reused is not None else self._train(trial, arch, seed)
        except optuna.TrialPruned:
            raise
        except OSError as exc:  # issue 5: a full or read-only disk stops the search (every trial would fail)
            if exc.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT):
                raise StoreError(f"{exc.filename or 'artifact store'}: cannot write a checkpoint ({exc.strerror})") from None
            reason = failure_reason(exc)
            trial.set_user_attr("fail_reason", reason)
        except KeyboardInterrupt as exc:  # issue 5: Ctrl-C / SIGTERM; the run loop re-queues the configuration
            trial.set_user_attr("fail_reason", f"interrupted ({exc.args[0] if exc.args else 'SIGINT'}); configuration re-queued")
            raise
        except Exception as exc:  # noqa: BLE001 - a trial's failure must never stop the search
            reason = failure_reason(exc)
            trial.set_user_attr("fail_reason", reason)
        finally:
            free_memory(self.device)
            if reason is None:
                gc.freeze()  # issue 7: what survived is long-lived (cached trials): later collects skip it
        # Raised outside the except block: the traceback (and the tensors its frames hold, e.g. after
        # an out-of-memory error) is gone, so this second free_memory really frees them.
        free_memory(self.device)
        gc.freeze()
        raise TrialFailed(reason)

    def _train(self, trial: Any, arch: Arch, seed: int) -> float | tuple[float, ...]:
        import optuna

        from nas.metrics import report, score
        from nas.models import build_model
        from nas.objectives import assess
        from nas.store import save_checkpoint
        from nas.train import TrainConfig, fit, seed_everything

        seed_everything(seed)
        model = build_model(arch, self.data.input_shape, self.data.out_dim).to(self.device)
        costs, rejected = assess(trial, model, self.data, self.device, self.goals)
        if rejected:  # never trained: a pessimistic metric + constraints teach the sampler
            return self.goals.values(self.goals.pessimistic(self.data), costs)
        curve: list[float] = []
        stop = self._stopper(trial, costs, int(arch.train.get("epochs", 1)))

        def on_epoch(epoch: int, value: float) -> None:
            curve.append(value)
            self.observer.epoch_done(trial.number, epoch, value)
            if stop(epoch, curve):
                trial.set_user_attr("curve", curve)
                raise optuna.TrialPruned(f"pruned after epoch {epoch + 1} at {value:.4f}")

        result = fit(model, self.data, TrainConfig.from_arch(arch), seed=seed, on_epoch=on_epoch)
        test = score(model, self.data.test, self.data)
        checkpoint = save_checkpoint(trial, result.state, self.store)
        for key, value in {"curve": result.curve, "best_epoch": result.best_epoch, "test": test,
                           "train_seconds": result.seconds, "device": str(self.device),
                           "checkpoint": checkpoint, "test_metrics": report(model, self.data.test, self.data)}.items():
            trial.set_user_attr(key, value)
        return self.goals.values(result.best_value, costs)

    def _stopper(self, trial: Any, costs: dict[str, Any], epochs: int) -> Any:
        """One objective: Optuna's pruner. Several: the dominance rule of nas.objectives.dominated."""
        if not self.goals.multi:
            def report(epoch: int, curve: list[float]) -> bool:
                trial.report(curve[-1], epoch)
                return bool(trial.should_prune())
            return report
        from optuna.trial import TrialState

        from nas.objectives import dominated

        warmup = max(1, epochs // 4)
        best = max if self.goals.directions[0] == "maximize" else min
        completed: list[Any] = []

        def rule(epoch: int, curve: list[float]) -> bool:
            if not self.goals.prune or epoch < warmup or epoch >= epochs - 1:  # the last epoch is paid for
                return False
            if not completed:  # read once per trial: the completed trials do not change meanwhile
                completed.extend(trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
            by = dominated(best(curve), costs, self.goals, completed)
            if by is not None:
                trial.set_user_attr("pruned_by", by)
            return by is not None
        return rule


def failure_reason(exc: BaseException) -> str:
    """One line for the store: out-of-memory errors are named as such (GPU or host)."""
    import torch

    kinds = {torch.OutOfMemoryError: "out of memory (GPU)", MemoryError: "out of memory (host)"}
    kind = next((v for k, v in kinds.items() if isinstance(exc, k)), type(exc).__name__)
    return f"{kind}: {exc}".splitlines()[0][:500]


def _check_config(cfg: SearchConfig) -> None:
    from nas.data import TASKS
    from nas.errors import nearest

    if cfg.task not in TASKS:
        raise UsageError(f"--task: unknown task '{cfg.task}'{nearest(cfg.task, TASKS)}")
    if cfg.trials < 1:
        raise UsageError(f"--trials: must be at least 1, got {cfg.trials}")
    if cfg.epochs is not None and cfg.epochs < 1:
        raise UsageError(f"--epochs: must be at least 1, got {cfg.epochs}")
    if cfg.timeout is not None and cfg.timeout <= 0:
        raise UsageError(f"--timeout: must be positive, got {cfg.timeout}")
    if cfg.threads is not None and cfg.threads < 1:
        raise UsageError(f"--threads: must be at least 1, got {cfg.threads}")
    if not 1 <= cfg.workers <= 256:
        raise UsageError(f"--workers: must be between 1 and 256, got {cfg.workers}")


def _open_study(cfg: SearchConfig) -> tuple[Any, Space, TaskData, Any, SearchResult, Any]:
    """Validate everything, then create or resume the study (nothing is stored before this passes)."""
    from pathlib import Path

    import optuna

    from nas import __version__
    from nas.device import resolve_device
    from nas.models import check_input
    from nas.objectives import Limits, check_goals, make_goals
    from nas.store import mask_url, open_storage, storage_url, study_names
    from nas.strategies import make_pruner, make_sampler
    from nas.workers import HEARTBEAT_SECONDS, env_worker_index

    from nas.baseline import fit_baseline
    from nas.data.files import search_task

    cfg = replace(cfg, task=search_task(cfg.task, cfg.data, cfg.dataset, cfg.window))
    _check_config(cfg)
    device = resolve_device(cfg.device)
    space = resolve_space(cfg.task, cfg.space, cfg.epochs)
    data_spec = DataSpec(task=cfg.task, dataset=cfg.dataset, seed=cfg.seed, kind=cfg.kind, path=cfg.data,
                         target=cfg.target, window=cfg.window, image_size=cfg.image_size)
    data = load_data(data_spec)  # errors name the path as typed; the study stores it absolute
    data_spec = replace(data_spec, path=str(Path(cfg.data).resolve())) if cfg.data else data_spec
    try:
        for family in space.families:  # a family choice: every family must take the data
            check_input(family, data.input_shape)
    except Exception as exc:
        raise UsageError(f"--space: {exc}") from None
    pruner = make_pruner(cfg.pruner, max_epochs(space))
    goals = make_goals(cfg.objectives, data, Limits(cfg.max_params, cfg.max_flops, cfg.max_latency_ms),
                       cfg.latency_batch, cfg.pruner)
    sampler_name = cfg.sampler or ("nsga2" if goals.multi else "tpe")
    make_sampler(sampler_name, cfg.seed, space, len(goals.directions), cfg.trials)  # refuse a bad sampler before touching the store
    storage = open_storage(cfg.storage, create=True, heartbeat=HEARTBEAT_SECONDS)
    name = cfg.study or f"{cfg.task}-{data.name}"
    info = {"task": cfg.task, "dataset": data.name, "seed": cfg.seed, "data_spec": data_spec.to_dict(), "space": space.to_dict(),
            "data": data.describe(), "metric": data.metric, "direction": data.direction, "version": __version__,
            "objectives": goals.names}
    existing = optuna.load_study(study_name=name, storage=storage) if name in study_names(storage) else None
    widened = check_compatible(existing, info) if existing is not None else []
    if existing is not None:
        check_goals(existing, goals)
    n_before = len(existing.get_trials(deepcopy=False)) if existing is not None else 0  # no deep copy (issue 7)
    # Offset the sampler seed by the trials already there (a resumed run does not replay them)
    # and by the worker's index (parallel workers do not propose the same configurations).
    index = cfg.worker_index or env_worker_index()
    sampler = make_sampler(sampler_name, cfg.seed + n_before + 100_003 * index, space, len(goals.directions), cfg.trials)
    if widened and isinstance(sampler, optuna.samplers.TPESampler):
        # Grouped multivariate TPE keeps the ranges of the study's first trials (it would never try
        # the widened part); univariate TPE reads each range from the current space.
        sampler = optuna.samplers.TPESampler(seed=cfg.seed + n_before + 100_003 * index, constant_liar=True)
    study = optuna.create_study(study_name=name, storage=storage, directions=goals.directions,
                                sampler=sampler, pruner=pruner, load_if_exists=True)
    if existing is None or existing.user_attrs.get("nas", {}).get("space") != info["space"]:
        study.set_user_attr("nas", info)  # new study, or a compatible widening of its space
    if "baseline" not in study.user_attrs:
        study.set_user_attr("baseline", fit_baseline(data))
    result = SearchResult(study=name, storage=mask_url(storage_url(cfg.storage)), metric=data.metric,
                          direction=data.direction, total=cfg.trials, baseline=study.user_attrs.get("baseline"))
    return study, space, data, device, result, goals


def _finish(study: Any, result: SearchResult, started: float, observer: SearchObserver) -> SearchResult:
    from nas.store import leaderboard
    from nas.workers import count_trials

    counts = count_trials(study)
    result.complete, result.pruned, result.failed = counts.complete, counts.pruned, counts.fail
    result.rejected = sum(bool(t.user_attrs.get("rejected")) for t in study.get_trials(deepcopy=False))
    result.seconds = time.perf_counter() - started
    rows = leaderboard(study, top=1)
    result.best = rows[0] if rows else None
    observer.search_finished(result)
    return result


def run_search(cfg: SearchConfig, observer: SearchObserver | None = None) -> SearchResult:
    """Create or resume the study and run trials until `cfg.trials` are finished or time is up.

    Finished means complete or pruned (a pruned trial is a real, if short, result); failed trials
    (errors, kills) are replaced. With cfg.workers > 1, worker processes share the study.
    A store that cannot be written (disk full, read-only) is a StoreError, not a traceback.
    """
    from optuna.exceptions import StorageInternalError
    from sqlalchemy.exc import OperationalError

    from nas.store import mask_url, storage_url

    try:
        return _run_search(cfg, observer or SearchObserver())
    except Exception as exc:
        # Optuna can wrap a failed write in its own errors (even an AssertionError while telling).
        chain = [exc]
        while chain[-1].__cause__ or chain[-1].__context__:
            chain.append(chain[-1].__cause__ or chain[-1].__context__)
        storage_error = next((e for e in chain if isinstance(e, (StorageInternalError, OperationalError))), None)
        if storage_error is None:
            raise
        cause = getattr(storage_error, "orig", None) or getattr(storage_error.__cause__, "orig", None) or storage_error.__cause__ or storage_error
        url = storage_url(cfg.storage)
        reason = str(cause).splitlines()[0].replace(url, mask_url(url))
        raise StoreError(f"{mask_url(url)}: cannot write to the store ({reason}); stored trials are unchanged") from None


def _run_search(cfg: SearchConfig, observer: SearchObserver) -> SearchResult:
    from nas.store import artifact_store
    from nas.workers import count_trials, retry_interrupted, run_trials, signals_interrupt, spawn_workers

    study, space, data, device, result, goals = _open_study(cfg)
    observer.search_started(result.study, result.storage, count_trials(study).finished, cfg.trials, data, device)
    started, n_before = time.perf_counter(), len(study.get_trials(deepcopy=False))
    if cfg.workers > 1:
        codes = spawn_workers(cfg, quiet=type(observer) is SearchObserver)
        result.signal = next((c - 128 for c in codes if c in (130, 143)), None)
        result.interrupted = result.signal is not None
        result.ran = sum(t.state.is_finished() for t in study.get_trials(deepcopy=False)[n_before:])
        return _finish(study, result, started, observer)
    if cfg.threads:
        import torch

        torch.set_num_threads(cfg.threads)
    data = data.to(device)
    objective = Objective(space, data, device, cfg.seed, artifact_store(cfg.storage, cfg.artifacts), observer, goals)
    failures = [0]

    def on_trial(study: Any, trial: Any) -> None:
        from nas.store import trial_row

        result.ran += 1
        failures[0] = failures[0] + 1 if trial.state.name == "FAIL" else 0
        observer.trial_finished(trial_row(trial))
        if failures[0] >= MAX_CONSECUTIVE_FAILURES:
            result.stopped_reason = f"{failures[0]} trials in a row failed (last: {trial.user_attrs.get('fail_reason')})"

    try:
        with signals_interrupt() as flag:
            run_trials(study, objective, cfg.trials, cfg.timeout, [on_trial], lambda: result.stopped_reason or flag)
        if flag:  # the signal's exception was swallowed somewhere; the loop stopped between trials
            result.interrupted, result.signal = True, flag.signum
    except KeyboardInterrupt as exc:
        result.interrupted, result.signal = True, getattr(exc, "signum", 2)
        retry_interrupted(study, objective.current)
    finally:
        gc.unfreeze()
    return _finish(study, result, started, observer)
