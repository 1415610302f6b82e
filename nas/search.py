"""The search: the objective (sample -> build -> fit -> report / prune -> store) and the study loop.

`run_search(SearchConfig, observer)` is the library entry point behind `nas search`. The
observer receives progress events; the CLI renders them, a script can ignore them.
"""
from __future__ import annotations

import gc
import time
from dataclasses import dataclass, replace
from typing import Any

from nas.arch import Arch
from nas.data import DataSpec, TaskData, load_data
from nas.errors import StoreError, TrialError, UsageError
from nas.space import Fixed, Space, load_space, shipped_space

TRIAL_SEED_MULTIPLIER = 1_000_003
MAX_CONSECUTIVE_FAILURES = 10


class TrialFailed(TrialError):
    """Raised out of the objective so Optuna records the trial as failed (its reason is stored)."""


@dataclass
class SearchConfig:
    """Everything `nas search` takes. Defaults are the CLI's defaults."""

    task: str = "image"
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
    sampler: str = "tpe"
    pruner: str = "median"


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
    ran: int = 0
    seconds: float = 0.0
    best: dict[str, Any] | None = None
    interrupted: bool = False
    stopped_reason: str | None = None


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
    if epochs is None:
        return loaded
    train = loaded.sections["train"]
    sections = {**loaded.sections, "train": replace(train, params={**train.params, "epochs": Fixed(int(epochs))})}
    return replace(loaded, sections=sections)


def max_epochs(space: Space) -> int:
    p = space.sections["train"].params["epochs"]
    return int(p.value if isinstance(p, Fixed) else max(p.options) if hasattr(p, "options") else p.high)


class Objective:
    """Called by Optuna once per trial. Every exception but pruning becomes a recorded failure."""

    def __init__(self, space: Space, data: TaskData, device: Any, seed: int, store: Any,
                 observer: SearchObserver) -> None:
        self.space, self.data, self.device, self.seed = space, data, device, seed
        self.store, self.observer = store, observer
        from nas.dedup import DuplicateIndex  # issue 7: repeated configurations reuse results

        self.duplicates = DuplicateIndex()

    def __call__(self, trial: Any) -> float:
        import optuna

        from nas.device import free_memory
        from nas.models import summarize
        from nas.sample import sample_arch

        arch = sample_arch(self.space, trial)
        seed = trial_seed(self.seed, trial.number)
        trial.set_user_attr("arch", arch.to_dict())
        trial.set_user_attr("seed", seed)
        self.observer.trial_started(trial.number, summarize(arch), int(arch.train.get("epochs", 1)))
        try:
            reused = self.duplicates.reuse(trial, arch)  # issue 7: never train the same config twice
            return reused if reused is not None else self._train(trial, arch, seed)
        except optuna.TrialPruned:
            raise
        except Exception as exc:  # noqa: BLE001 - a trial's failure must never stop the search
            reason = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
            trial.set_user_attr("fail_reason", reason)
            raise TrialFailed(reason) from exc
        finally:
            free_memory(self.device)
            gc.freeze()  # issue 7: what survived is long-lived (cached trials): later collects skip it

    def _train(self, trial: Any, arch: Arch, seed: int) -> float:
        import optuna

        from nas.metrics import score
        from nas.models import build_model, count_params
        from nas.store import save_checkpoint
        from nas.train import TrainConfig, fit, seed_everything

        seed_everything(seed)
        model = build_model(arch, self.data.input_shape, self.data.out_dim).to(self.device)
        trial.set_user_attr("params", count_params(model))
        curve: list[float] = []

        def on_epoch(epoch: int, value: float) -> None:
            curve.append(value)
            self.observer.epoch_done(trial.number, epoch, value)
            trial.report(value, epoch)
            if trial.should_prune():
                trial.set_user_attr("curve", curve)
                raise optuna.TrialPruned(f"pruned after epoch {epoch + 1} at {value:.4f}")

        result = fit(model, self.data, TrainConfig.from_arch(arch), seed=seed, on_epoch=on_epoch)
        test = score(model, self.data.test, self.data)
        checkpoint = save_checkpoint(trial, result.state, self.store)
        for key, value in {"curve": result.curve, "best_epoch": result.best_epoch, "test": test,
                           "train_seconds": result.seconds, "device": str(self.device),
                           "checkpoint": checkpoint}.items():
            trial.set_user_attr(key, value)
        return result.best_value


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(d, dict):
        return {prefix.rstrip("."): d}
    out: dict[str, Any] = {}
    for k, v in d.items():
        out.update(_flatten(v, f"{prefix}{k}."))
    return out


def check_compatible(study: Any, info: dict[str, Any]) -> None:
    """Refuse to resume a study with different data, seed or space (say what changed, and how out)."""
    old = study.user_attrs.get("nas")
    if old is None:
        return
    how = "pass --study NEW to start a new study, or run with the study's original settings"
    for key, flag in (("task", "--task"), ("dataset", "--dataset"), ("seed", "--seed")):
        if old.get(key) != info[key]:
            raise StoreError(f"study '{study.study_name}' was created with {flag} {old.get(key)}, not {info[key]}; {how}")
    if old.get("data", {}).get("fingerprint") != info["data"]["fingerprint"]:
        raise StoreError(f"study '{study.study_name}' was created on different data (split fingerprint changed); {how}")
    before, after = _flatten(old.get("space", {})), _flatten(info["space"])
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    if changed:
        raise StoreError(f"study '{study.study_name}' was created with a different search space "
                         f"(changed: {', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''}); {how}")


def _counts(study: Any) -> dict[str, int]:
    from optuna.trial import TrialState

    states = [t.state for t in study.get_trials(deepcopy=False)]
    return {s: states.count(getattr(TrialState, s.upper())) for s in ("complete", "pruned", "fail", "running")}


def _check_config(cfg: SearchConfig) -> None:
    if cfg.trials < 1:
        raise UsageError(f"--trials: must be at least 1, got {cfg.trials}")
    if cfg.epochs is not None and cfg.epochs < 1:
        raise UsageError(f"--epochs: must be at least 1, got {cfg.epochs}")
    if cfg.timeout is not None and cfg.timeout <= 0:
        raise UsageError(f"--timeout: must be positive, got {cfg.timeout}")


def run_search(cfg: SearchConfig, observer: SearchObserver | None = None) -> SearchResult:
    """Create or resume the study and run trials until `cfg.trials` are finished or time is up."""
    import optuna

    from nas import __version__
    from nas.device import resolve_device
    from nas.models import check_input
    from nas.store import artifact_store, leaderboard, mask_url, open_storage, storage_url, study_names
    from nas.strategies import make_pruner, make_sampler

    observer = observer or SearchObserver()
    _check_config(cfg)
    device = resolve_device(cfg.device)
    space = resolve_space(cfg.task, cfg.space, cfg.epochs)
    data_spec = DataSpec(task=cfg.task, dataset=cfg.dataset, seed=cfg.seed)
    data = load_data(data_spec)
    try:
        check_input(space.family, data.input_shape)
    except Exception as exc:
        raise UsageError(f"--space: {exc}") from None
    pruner = make_pruner(cfg.pruner, max_epochs(space))
    make_sampler(cfg.sampler, cfg.seed, space, 1, cfg.trials)  # refuse a bad sampler before touching the store
    storage = open_storage(cfg.storage, create=True)
    name = cfg.study or f"{cfg.task}-{data.name}"
    info = {"task": cfg.task, "dataset": data.name, "seed": cfg.seed, "data_spec": data_spec.to_dict(), "space": space.to_dict(),
            "data": data.describe(), "metric": data.metric, "direction": data.direction, "version": __version__}
    existing = optuna.load_study(study_name=name, storage=storage) if name in study_names(storage) else None
    if existing is not None:
        check_compatible(existing, info)
    n_before = len(existing.get_trials(deepcopy=False)) if existing is not None else 0  # no deep copy (issue 7)
    # Offset the sampler seed by the trials already there, so a resumed run does not replay them.
    sampler = make_sampler(cfg.sampler, cfg.seed + n_before, space, 1, cfg.trials)
    study = optuna.create_study(study_name=name, storage=storage, direction=data.direction,
                                sampler=sampler, pruner=pruner, load_if_exists=True)
    if existing is None:
        study.set_user_attr("nas", info)
    counts = _counts(study)
    done = counts["complete"] + counts["pruned"]
    result = SearchResult(study=name, storage=mask_url(storage_url(cfg.storage)), metric=data.metric,
                          direction=data.direction, total=cfg.trials)
    observer.search_started(name, result.storage, done, cfg.trials, data, device)
    data = data.to(device)
    objective = Objective(space, data, device, cfg.seed, artifact_store(cfg.storage, cfg.artifacts), observer)
    started, failures = time.perf_counter(), [0]

    def on_trial(study: Any, trial: Any) -> None:
        from nas.store import trial_row

        result.ran += 1
        failures[0] = failures[0] + 1 if trial.state.name == "FAIL" else 0
        observer.trial_finished(trial_row(trial))
        if failures[0] >= MAX_CONSECUTIVE_FAILURES:
            result.stopped_reason = f"{failures[0]} trials in a row failed (last: {trial.user_attrs.get('fail_reason')})"
            study.stop()

    if done < cfg.trials:
        max_trials = optuna.study.MaxTrialsCallback(cfg.trials, states=(optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED))
        try:
            study.optimize(objective, timeout=cfg.timeout, catch=(TrialFailed,), callbacks=[max_trials, on_trial])
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            gc.unfreeze()
    counts = _counts(study)
    result.complete, result.pruned, result.failed = counts["complete"], counts["pruned"], counts["fail"]
    result.seconds = time.perf_counter() - started
    rows = leaderboard(study, top=1)
    result.best = rows[0] if rows else None
    observer.search_finished(result)
    return result
