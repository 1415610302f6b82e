"""What a search optimises and what it may not exceed: objectives, cost limits, early stopping.

`--objectives accuracy,params` makes a multi-objective (Pareto) study: the task's metric first,
then any of the costs `params`, `flops`, `latency` (all minimised). `--max-params`, `--max-flops`
and `--max-latency-ms` are limits checked right after the model is built: a candidate that
breaks one is never trained. It is recorded as a complete trial with a pessimistic metric, its
real costs, the user attr `rejected` (the reason) and Optuna constraints (`trial.set_constraint`,
relative violation `value / limit - 1`), so TPE, NSGA-II and GP learn where the feasible region is.

Optuna's pruners do not work with several objectives (`trial.report` refuses), so a multi-
objective study uses `dominated()` instead: see its docstring for the rule and its risk.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nas.errors import StoreError, UsageError, nearest
from nas.search.costs import measure, with_batch_latency
from nas.store import study_record

# cost objective -> the user attr holding it (all are minimised)
COSTS: dict[str, str] = {"params": "params", "flops": "flops", "latency": "latency_ms"}
METRIC_ALIASES = ("metric", "accuracy", "rmse")
MARGIN = 0.05  # relative: a candidate must trail a dominating trial by more than 5% to be stopped


@dataclass(frozen=True)
class Goal:
    """One objective: its name, the user attr that holds it (None: the validation metric), direction."""

    name: str
    attr: str | None
    direction: str


def parse_objectives(text: str | None, metric: str, direction: str) -> tuple[Goal, ...]:
    """'accuracy,params' -> goals, the task's metric first. UsageError with one line otherwise."""
    names = [n.strip().lower() for n in (text or metric).split(",")]
    if any(not n for n in names):
        raise UsageError(f"--objectives: empty name in '{text}' (expected e.g. {metric},params)")
    known = sorted({metric, *COSTS})
    goals: list[Goal] = []
    for name in names:
        if name in COSTS:
            goal = Goal(name, COSTS[name], "minimize")
        elif name == metric or name == "metric":
            goal = Goal(metric, None, direction)
        elif name in METRIC_ALIASES:
            raise UsageError(f"--objectives: this task is scored by {metric}, not {name}")
        else:
            raise UsageError(f"--objectives: unknown objective '{name}'{nearest(name, known)}")
        if goal in goals:
            raise UsageError(f"--objectives: '{name}' is listed twice")
        goals.append(goal)
    if goals[0].attr is not None:
        raise UsageError(f"--objectives: the first objective must be the task's metric, e.g. {metric},{names[0]}")
    return tuple(goals)


@dataclass(frozen=True)
class Limits:
    """Upper limits on costs; None = no limit. Keys of `LIMIT_FLAGS` are the cost attrs."""

    max_params: float | None = None
    max_flops: float | None = None
    max_latency_ms: float | None = None

    def items(self) -> dict[str, float | None]:
        return {"params": self.max_params, "flops": self.max_flops, "latency_ms": self.max_latency_ms}

    @property
    def any(self) -> bool:
        return any(v is not None for v in self.items().values())

    def check(self) -> None:
        for attr, limit in self.items().items():
            if limit is not None and limit <= 0:
                raise UsageError(f"{LIMIT_FLAGS[attr]}: must be positive, got {limit:g}")

    def violations(self, costs: dict[str, Any]) -> dict[str, float]:
        """Relative violation per cost (value / limit - 1; <= 0 is feasible, unlimited = -1)."""
        return {attr: (float(costs[attr]) / limit - 1.0 if limit is not None else -1.0)
                for attr, limit in self.items().items()}

    def reason(self, costs: dict[str, Any]) -> str | None:
        broken = [f"{attr} {_num(costs[attr])} > {LIMIT_FLAGS[attr]} {_num(limit)}"
                  for attr, limit in self.items().items() if limit is not None and costs[attr] > limit]
        return "; ".join(broken) or None


def _num(value: float) -> str:
    """12,345 for whole numbers, 0.4321 otherwise: limits and costs as a user reads them."""
    return f"{int(value):,}" if float(value).is_integer() else f"{value:.4g}"


LIMIT_FLAGS = {"params": "--max-params", "flops": "--max-flops", "latency_ms": "--max-latency-ms"}


@dataclass(frozen=True)
class Goals:
    """Objectives + limits + early-stopping switch: everything the objective needs beyond training."""

    objectives: tuple[Goal, ...]
    limits: Limits = field(default_factory=Limits)
    latency_batch: int = 64
    prune: bool = True

    @property
    def names(self) -> list[str]:
        return [g.name for g in self.objectives]

    @property
    def directions(self) -> list[str]:
        return [g.direction for g in self.objectives]

    @property
    def multi(self) -> bool:
        return len(self.objectives) > 1

    def values(self, metric_value: float, costs: dict[str, Any]) -> float | tuple[float, ...]:
        """What the objective returns: a float for one objective, a tuple for several."""
        if not self.multi:
            return metric_value
        return tuple(metric_value if g.attr is None else float(costs[g.attr]) for g in self.objectives)

    def pessimistic(self, data: Any) -> float:
        """The metric recorded for a rejected candidate: 0 accuracy, or the RMSE of predicting
        the training mean (one target standard deviation); every trained model should beat it."""
        return 0.0 if data.direction == "maximize" else float(data.target_scale[1])


def make_goals(objectives: str | None, data: Any, limits: Limits, latency_batch: int, pruner: str) -> Goals:
    """Parse and check the flags; UsageError (one line) on a bad value."""
    limits.check()
    if latency_batch < 1:
        raise UsageError(f"--latency-batch: must be at least 1, got {latency_batch}")
    goals = Goals(parse_objectives(objectives, data.metric, data.direction), limits, latency_batch, pruner != "none")
    return goals


def check_goals(study: Any, goals: Goals) -> None:
    """Refuse to resume a study with other objectives (Optuna would silently keep the old ones)."""
    record = study_record(study)
    before = (record.objectives or [record.metric]) if record is not None else goals.names
    if list(before) != goals.names:
        raise StoreError(f"study '{study.study_name}' was created with --objectives {','.join(map(str, before))}, "
                         f"not {','.join(goals.names)}; pass --study NEW to start a new study")


def dominated(value: float, costs: dict[str, Any], goals: Goals, completed: list[Any],
              margin: float = MARGIN) -> int | None:
    """The multi-objective early-stopping rule; returns the number of a dominating trial or None.

    A running candidate is stopped when some completed, feasible trial is no larger in every cost
    objective of the study AND its final metric beats the candidate's best metric so far by more
    than `margin` (relative). Costs are exact before training, so only the metric is uncertain.
    Risk: learning curves can cross. A candidate that starts slowly (low learning rate, cosine
    schedule, heavy regularisation) may end above a trial that it trails early on by more than
    the margin; the margin and the warm-up epochs (no stop before epochs // 4) limit, but do not
    remove, that risk. A wrongly stopped candidate is lost only if no other sample covers it.
    """
    maximize = goals.objectives[0].direction == "maximize"
    cost_attrs = [g.attr for g in goals.objectives if g.attr is not None]
    for t in completed:
        if t.user_attrs.get("rejected") or not t.values:
            continue
        other = t.values[0]
        clearly_better = value < other * (1 - margin) if maximize else value > other * (1 + margin)
        if clearly_better and all(t.user_attrs.get(a, float("inf")) <= costs[a] for a in cost_attrs):
            return int(t.number)
    return None


def assess(trial: Any, model: Any, data: Any, device: Any, goals: Goals) -> tuple[dict[str, Any], str | None]:
    """Measure a built, untrained model's costs, store them on the trial, check the limits.

    Returns the costs and the reason the candidate breaks a limit (None when it fits); a rejected
    candidate skips the batch-N latency timing, so rejecting it takes tens of milliseconds. Optuna
    constraints are set whenever any limit is given, for all three costs, so every trial of a
    constrained study carries the same constraint keys (GP needs that).
    """
    measured = measure(model, data.input_shape, device, batch=None)
    reason = goals.limits.reason(measured.to_attrs())
    if reason is None:  # the batch timing is the slow part: only for candidates that will train
        measured = with_batch_latency(measured, model, data.input_shape, device, goals.latency_batch)
    costs = measured.to_attrs()
    for key, value in costs.items():
        trial.set_user_attr(key, value)
    if goals.limits.any:
        for attr, violation in goals.limits.violations(costs).items():
            trial.set_constraint(attr, violation)
    if reason:
        trial.set_user_attr("rejected", reason)
    return costs, reason
