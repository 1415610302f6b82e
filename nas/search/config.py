"""What a search is asked to do: `SearchConfig`, composed of the data spec, the cost limits and
the run options (nothing copied), plus the small rules every layer of the engine shares.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from nas.data import TASKS, DataSpec, TaskData, check_folds, max_folds
from nas.errors import UsageError, nearest
from nas.limits import check_fields
from nas.search.objectives import Limits
from nas.space import Space, load_space, shipped_space

TRIAL_SEED_MULTIPLIER = 1_000_003
MAX_CONSECUTIVE_FAILURES = 10
# Repeats of finished configurations do not count toward --trials (nas.search.dedup: they cost
# nothing); after this many in a row the sampler has nothing new left to propose (a small space,
# exhausted) and the search stops.
MAX_CONSECUTIVE_REPEATS = 20
# Automatic cross-validation (--cv not given): CV_FOLDS folds when train + validation has at most
# CV_MAX_ROWS rows, the holdout split otherwise. Below that size a 20% validation split holds
# under ~250 rows, where one lucky epoch or split decides the ranking; CV costs about K times
# the training per trial (docs/model-selection.md has the measured cost).
CV_FOLDS = 5
CV_MAX_ROWS = 1000
# The default wall-clock budget of a search (--timeout), start-up and the final model included:
# 20 trials or 9 minutes, whichever comes first, so a default command with its summary ends within
# 10 minutes on 2 CPU cores even where trials are long (MNIST-1D: 20 trials took 11.7 min);
# running the command again resumes the study for another budget. None: no limit.
DEFAULT_TIMEOUT = 9 * 60.0


@dataclass(frozen=True)
class SearchConfig:
    """Everything `nas search` takes. Defaults are the CLI's defaults.

    `data` says where the data comes from (its `task` None: inferred from the file or dataset,
    else image; its `seed` is the study's seed: split, sampler and every trial).
    """

    data: DataSpec = field(default_factory=lambda: DataSpec(task=None))
    space: str | None = None  # a YAML path or a shipped space name (default: the task's)
    trials: int = 20
    timeout: float | None = DEFAULT_TIMEOUT  # seconds from the start; None: no limit
    epochs: int | None = None
    device: str = "auto"
    study: str | None = None
    storage: str | None = None
    artifacts: str | None = None
    sampler: str | None = None  # None: tpe for one objective, nsga2 for several
    pruner: str = "median"
    objectives: str | None = None  # e.g. "accuracy,params" (nas.search.objectives)
    limits: Limits = field(default_factory=Limits)
    latency_batch: int = 64
    workers: int = 1
    worker_index: int = 0
    threads: int | None = None  # CPU threads per worker (default: torch's, split between workers)
    prescreen: int = 1  # candidates scored by a training-free proxy per trial; the best is trained (1: off)
    cv: int | None = None  # folds over train + validation; 1: holdout; None: automatic (`auto_folds`)
    refit: bool = True  # refit the rank-1 configuration on train + validation after the search
    blend: bool = False  # the final model may average the top trials' (ensemble selection, nas.search.blend)

    @property
    def seed(self) -> int:
        return self.data.seed

    @property
    def task(self) -> str | None:
        return self.data.task

    @classmethod
    def from_flags(cls, **flags: Any) -> SearchConfig:
        """Build from flat keyword arguments, as the CLI and scripts have them: DataSpec's fields
        (`data` is the file path), the three `max_*` limits and this class's own fields."""
        spec = {f.name for f in fields(DataSpec)}
        limits = {f.name for f in fields(Limits)}
        if "data" in flags:
            flags["path"] = flags.pop("data")
        if "test_data" in flags:
            flags["test_path"] = flags.pop("test_data")
        data = DataSpec(**{"task": None, **{k: flags.pop(k) for k in list(flags) if k in spec}})
        lim = Limits(**{k: flags.pop(k) for k in list(flags) if k in limits})
        return cls(data=data, limits=lim, **flags)

    def with_data(self, **changes: Any) -> SearchConfig:
        return replace(self, data=replace(self.data, **changes))


def check_config(cfg: SearchConfig) -> None:
    """One-line UsageErrors for a task it does not know and for numbers out of range: the ranges
    are nas.limits's table, the same one the CLI's flags declare (one rule per input)."""
    if cfg.task not in TASKS:
        raise UsageError(f"--task: unknown task '{cfg.task}'{nearest(str(cfg.task), TASKS)}")
    check_fields(cfg)


def auto_folds(data: TaskData) -> int:
    """The automatic fold count: CV_FOLDS (fewer if the smallest class or the series allows fewer)
    when train + validation has at most CV_MAX_ROWS rows, else 1 (the holdout split)."""
    if len(data.train) + len(data.val) > CV_MAX_ROWS:
        return 1
    k = min(CV_FOLDS, max_folds(data))
    return k if k >= 2 else 1


def resolve_folds(requested: int | None, data: TaskData, stored: int | None) -> int:
    """The fold count of this run: as requested (checked against the data), else the study's own
    when it is resumed (`stored`), else automatic."""
    if requested is not None:
        check_folds(data, requested)
        return requested
    return stored if stored is not None else auto_folds(data)

def trial_seed(study_seed: int, number: int) -> int:
    """A trial's seed, derived from the study seed and trial number (stored with the trial)."""
    return (study_seed * TRIAL_SEED_MULTIPLIER + number) % (2**31 - 1)


def stored_seed(trial: Any, study_seed: int) -> int:
    """The seed a stored trial ran with (older studies did not store it: derive it)."""
    seed = trial.user_attrs.get("seed")
    return int(seed) if seed is not None else trial_seed(study_seed, trial.number)


def resolve_space(task: str, space: str | None, epochs: int | None) -> Space:
    """The space file (a path, or a shipped name; the task's own by default), epochs overridden."""
    default = TASKS[task].space if task in TASKS else task
    path = Path(space) if space and (Path(space).exists() or space.endswith((".yaml", ".yml"))) else shipped_space(space or default)
    loaded = load_space(path)
    return loaded if epochs is None else loaded.with_epochs(int(epochs))


def max_epochs(space: Space) -> int:
    """The most epochs any trial of the space can run (what the pruners' budgets are sized to)."""
    return space.max_epochs()


# Where a scheduler numbers the processes it launches: each worker's sampler gets its own seed
# (workers that share a seed would propose the same configurations).
WORKER_INDEX_VARS = ("NAS_WORKER_INDEX", "SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "SLURM_PROCID")


def env_worker_index() -> int:
    """This process's worker index from the environment (Slurm array, Kubernetes indexed Job), else 0."""
    for var in WORKER_INDEX_VARS:
        value = os.environ.get(var, "")
        if value.isdigit():
            return int(value)
    return 0
