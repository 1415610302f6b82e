"""The only place that calls `trial.suggest_*`: a validated Space plus an Optuna trial -> Arch.

Parameter names are hierarchical and deterministic (`blocks.depth`, `blocks.1.kernel`,
`train.lr`). Depth is sampled first and only the blocks that exist are sampled after it, so
multivariate TPE (group=True) sees a proper conditional space. A family choice works the same
way one level up: `family` is sampled first, then only that family's parameters, named under it
(`conv1d.blocks.0.kernel`, `rnn.rnn.cell`).
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from nas.arch import Arch
from nas.space import Choice, Fixed, FamilySpace, Param, Range, SectionSpace, Space


def _fixed(trial: Any, name: str, p: Fixed) -> Any:
    return p.value


def _choice(trial: Any, name: str, p: Choice) -> Any:
    return trial.suggest_categorical(name, list(p.options))


def _range(trial: Any, name: str, p: Range) -> Any:
    if p.integer:
        return trial.suggest_int(name, int(p.low), int(p.high), step=int(p.step or 1), log=p.log)
    return trial.suggest_float(name, float(p.low), float(p.high), step=p.step, log=p.log)


_SUGGEST: dict[type, Callable[[Any, str, Any], Any]] = {Fixed: _fixed, Choice: _choice, Range: _range}


def suggest(trial: Any, name: str, param: Param) -> Any:
    """Draw one value; Fixed values are returned without touching the trial."""
    return _SUGGEST[type(param)](trial, name, param)


def _sample_keys(trial: Any, prefix: str, sec: SectionSpace) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, param in sec.params.items():
        needs = sec.schema.keys[key].needs
        if needs and not values.get(needs):
            continue  # e.g. no conv front-end: its kernel is not a parameter of this trial
        values[key] = suggest(trial, f"{prefix}{key}", param)
    return values


# A family's test for a sampled network that is a linear model (convex in its weights: linear or
# logistic regression). Such a network is fitted by full-batch L-BFGS, whatever optimizer was
# sampled: L-BFGS reaches the optimum scikit-learn's linear models reach, stochastic steps may not
# (on sunspots ten depth-0 trials trained by AdamW scored CV RMSE 18.3-22.3, one model class).
LINEAR: dict[str, Callable[[dict[str, Any]], bool]] = {"mlp": lambda sections: not sections.get("layers")}
CONVEX_OPTIMIZER = "lbfgs"

# Its one real knob is the L2 strength. For a regression target it is not sampled but chosen on
# the study's own folds: the fit walks a regularisation path (`decay_path`, nas.train), one weight
# decay per epoch from PATH_START down to PATH_END, PATH_STEPS per decade, each warm-started from
# the last, and the epoch rule picks the strength, as it picks a network's epoch count: each fold
# model keeps the step best on its own fold (the ensemble that ships averages them), the trial's
# value is the mean over folds at the step of least mean validation loss (nas.search.selection),
# and a refit replays the path to that step. Why a path that stops at 0.1 (mean-loss units over
# standardised inputs; ridge alpha = 0.05 n): benchmarks/linear_path.py, 11 real regression tables
# (16 to 442 rows) x 40 random splits, test RMSE over the baseline's (linear regression on the
# training split), mean of the ratios: this path 0.932, a fixed weight decay of 0.01 0.937, 1e-5
# 0.945, linear regression refit on train + validation 0.948, a path from 1 0.955, from 100 (CV
# picking strong shrinkage on tiny folds) 0.979. A classifier keeps its sampled weight decay: there
# a path (from 100) was mixed on the default searches (ArrowHead 0.743 -> 0.771, ItalyPowerDemand
# 0.968 -> 0.953).
# The path ends with one step at weight decay 0, least squares itself (the baseline's own fit): a
# target that is an exact linear function of its inputs (Stat2Data CO2SouthPole's month count `t`,
# a total of its parts) is fitted exactly only there: the trial fitted on the training split
# scored test RMSE 0.0094 at 1e-5, 6.4e-06 at 0 (least squares: 4.9e-05; the default search's fold
# ensemble 0.0090 -> 0.0012, two of its five fold models stopping short in float32). On the 11
# tables above it changed nothing (mean ratio 0.932 either way, `benchmarks/linear_path.py`):
# where the fit is not exact, 1e-5 and 0 are the same model to the validation loss.
# lr, batch size and scheduler mean nothing to L-BFGS and are dropped, and a regression's weight
# decay is the path's: its linear trials are one configuration, a repeat is never trained again
# (nas.search.dedup), and the sampler sees one value for it, not 20 near-equal ones to exploit.
PATH_START, PATH_END, PATH_STEPS = 0.1, 1e-5, 3
PATH_EPOCHS = round(PATH_STEPS * math.log10(PATH_START / PATH_END)) + 2  # PATH_START..PATH_END, then 0
UNUSED_BY_LBFGS = ("lr", "batch_size", "scheduler")
# target kind -> what a linear network's training section becomes, over the optimizer's override
LINEAR_TRAIN: dict[str | None, dict[str, Any]] = {
    "regression": {"decay_path": True, "weight_decay": PATH_END, "epochs": PATH_EPOCHS, "patience": 0},
}


# A network that is not linear may be fitted by full-batch L-BFGS too (the space's `optimizer:
# lbfgs`): on small tables it is often the rank-1 trial (diabetes, R's Auto and biopsy, fair in
# docs/benchmarks.md), as scikit-learn's MLP documentation says of its lbfgs solver. Its epoch is
# LBFGS_ITERS iterations, each one pass or more over the whole training split, where a mini-batch
# epoch is one pass; on a large table that made one trial most of a search: on ggplot2's diamonds
# (32,364 training rows) a 3-layer MLP took 291 s for its 196 epochs of a default 9-minute search.
# Past LBFGS_FULL_ROWS training rows (200 batches of the smallest sampled size, where nas.train's
# mini-batch cap begins) an epoch makes proportionally fewer iterations, at least 1: diamonds 2,
# 41 s for 200 epochs (benchmarks/lbfgs_epoch.py). The count is written into the architecture
# (`lbfgs_iters`), so every fold and the refit on train + validation (more rows) make the same
# iterations. A convex fit (CONVEX: a linear network, rocket's linear head) keeps LBFGS_ITERS: it
# is cheap, and must converge (each step of a regularisation path, rocket's 8 epochs).
LBFGS_ITERS = 20  # L-BFGS iterations per epoch (torch's default max_iter)
LBFGS_FULL_ROWS = 3_200


# A family's test for a network whose fit is convex, a linear model over its inputs or over a frozen
# stage's features (rocket's linear head): it keeps LBFGS_ITERS an epoch on any data, as it needs
# to reach its optimum in the few epochs it is given (rocket: 8).
CONVEX: dict[str, Callable[[dict[str, Any]], bool]] = {
    **LINEAR, "rocket": lambda sections: not sections.get("head", {}).get("hidden")}


# The target kinds whose networks keep an mlp's `head.wide` (a linear part beside the hidden layers,
# nas.models.mlp); for the others the sampled architecture says `wide: false`, and is built and
# stored so. Why: for a regression target the linear part starts at least squares (measured in
# docs/training.md; off in the shipped space); for classes it starts at random, and the built-in
# breast_cancer search shipped test accuracy 0.9649 against logistic regression's 0.9737 (0.9825
# without it).
WIDE_KINDS = frozenset({"regression"})


def holds(test: dict[str, Callable[[dict[str, Any]], bool]], family: str, sections: dict[str, Any]) -> bool:
    """Does a family's test (LINEAR, CONVEX) hold for these sampled sections? False for a family
    the table does not name: no cnn or rnn is ever a linear model."""
    return family in test and test[family](sections)


def lbfgs_iters(rows: int) -> int:
    """L-BFGS iterations per epoch of a network that is not linear, on `rows` training rows."""
    return LBFGS_ITERS if rows <= LBFGS_FULL_ROWS else max(1, round(LBFGS_ITERS * LBFGS_FULL_ROWS / rows))


def path_weight_decay(epoch: int, floor: float) -> float:
    """The weight decay of epoch `epoch` (from 0) on a regularisation path down to `floor`, whose
    step PATH_EPOCHS - 1 and later are least squares (0). (Paths stored before that step existed
    had PATH_EPOCHS - 1 epochs: their steps are unchanged.)"""
    if epoch >= PATH_EPOCHS - 1:
        return 0.0
    return max(floor, PATH_START * 10.0 ** (-epoch / PATH_STEPS))


def is_linear(arch: Arch) -> bool:
    """Is this sampled network a linear model (the model class of the baseline nas prints)?"""
    return holds(LINEAR, arch.family, arch.sections)


def linear_params(space: Space) -> dict[str, Any] | None:
    """The parameters that make the space's network a linear model (for `enqueue_trial`), or None
    when no family of the space can be one. Today: an mlp family whose `layers.depth` admits 0."""
    for name, fam in space.families.items():
        layers = fam.sections.get("layers")
        if fam.family != "mlp" or layers is None or layers.depth is None:
            continue
        depth = layers.depth
        if (isinstance(depth, Range) and depth.low <= 0) or (isinstance(depth, Choice) and 0 in depth.options) \
                or (isinstance(depth, Fixed) and depth.value == 0):
            params: dict[str, Any] = {f"{fam.prefix}layers.depth": 0}
            return {"family": name, **params} if space.family_choice else params
    return None


def _sample_family(trial: Any, fam: FamilySpace, kind: str | None, rows: int | None) -> Arch:
    body: dict[str, Any] = {}
    for name, sec in fam.sections.items():
        prefix = f"{fam.prefix}{name}."
        if sec.depth is None:
            body[name] = _sample_keys(trial, prefix, sec)
            continue
        depth = suggest(trial, f"{prefix}depth", sec.depth)
        body[name] = [_sample_keys(trial, f"{prefix}{i}.", sec) for i in range(depth)]
    train = body.pop("train")
    if kind is not None and kind not in WIDE_KINDS and body.get("head", {}).get("wide"):
        body["head"] = {**body["head"], "wide": False}
    if holds(LINEAR, fam.family, body):
        train = {**{k: v for k, v in train.items() if k not in UNUSED_BY_LBFGS}, "optimizer": CONVEX_OPTIMIZER,
                 **LINEAR_TRAIN.get(kind, {})}
    elif (train.get("optimizer") == CONVEX_OPTIMIZER and not holds(CONVEX, fam.family, body)
          and rows is not None and (iters := lbfgs_iters(rows)) < LBFGS_ITERS):
        train = {**train, "lbfgs_iters": iters}
    return Arch(family=fam.family, sections=body, train=train)


def sample_arch(space: Space, trial: Any, kind: str | None = None, rows: int | None = None) -> Arch:
    """Sample an architecture from `space` through `trial` (an Optuna Trial or FixedTrial);
    `kind` (classification | regression), the target's, when known: it decides how a linear
    network is fitted (LINEAR_TRAIN); `rows`, the training split's size, when known: it decides
    the L-BFGS iterations of an epoch of a deeper network (`lbfgs_iters`)."""
    names = list(space.families)
    family = suggest(trial, "family", Choice(tuple(names))) if space.family_choice else names[0]
    return _sample_family(trial, space.families[family], kind, rows)


def random_archs(space: Space, n: int, seed: int = 0) -> list[Arch]:
    """`n` architectures drawn at random through the same code path as a search (for `validate`)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    return [sample_arch(space, study.ask()) for _ in range(n)]
