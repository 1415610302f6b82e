"""The report's figures, drawn with plain matplotlib (Agg backend: files only, no display or server).

Each function takes plain trial records (`nas.report.Record`), writes one PNG and returns its path.
Plain matplotlib rather than `optuna.visualization.matplotlib`: the costs live in user attrs,
rejected candidates must be left out, and every axis needs the metric's and the cost's name.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nas.errors import UsageError

COST_AXES: dict[str, str] = {"params": "parameters", "flops": "FLOPs per sample", "latency_ms": "latency at batch 1 (ms)"}
COST_TITLES: dict[str, str] = {"params": "parameters", "flops": "FLOPs", "latency_ms": "latency"}
DPI = 110


def _pyplot() -> Any:
    try:
        import matplotlib  # lazy: matplotlib is an optional extra (nas[report])
    except ImportError:
        raise UsageError("nas report: matplotlib is not installed (pip install 'nas[report]')") from None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _log_x(ax: Any) -> None:
    """Log x axis labelled on the decades, plus 2x and 5x when it spans under ~1.5 decades
    (matplotlib's own minor labels collide there)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    low, high = ax.get_xlim()
    if low > 0 and math.log10(high / low) < 1.5:
        ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 5.0)))
        ax.xaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    else:
        ax.xaxis.set_minor_formatter(NullFormatter())


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    _pyplot().close(fig)
    return path


def pareto_front(points: Sequence[tuple[float, float]], maximize: bool) -> list[int]:
    """Indices of the 2-D Pareto-optimal points (metric in its direction, cost minimised)."""
    sign = -1.0 if maximize else 1.0
    order = sorted(range(len(points)), key=lambda i: (points[i][1], sign * points[i][0]))
    front, best = [], float("inf")
    for i in order:
        if sign * points[i][0] < best:
            front.append(i)
            best = sign * points[i][0]
    return front


def history(records: Sequence[Any], metric: str, maximize: bool, path: Path) -> Path:
    """Validation metric per trial in order, with the best so far as a step line."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    done = [r for r in records if r.value is not None]
    xs, ys = [r.number for r in done], [r.value for r in done]
    ax.scatter(xs, ys, s=18, color="tab:blue", label="completed trial")
    best, running = [], None
    for y in ys:
        running = y if running is None else (max(running, y) if maximize else min(running, y))
        best.append(running)
    ax.step(xs, best, where="post", color="tab:red", label="best so far")
    pruned = [r for r in records if r.state == "pruned" and r.curve]
    if pruned:
        pick = max if maximize else min
        ax.scatter([r.number for r in pruned], [pick(r.curve) for r in pruned], s=18, marker="x",
                   color="tab:gray", label="pruned (best epoch before stop)")
    ax.set(xlabel="trial number", ylabel=f"validation {metric}", title="Optimisation history")
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    return _save(fig, path)


def pareto(records: Sequence[Any], metric: str, maximize: bool, path: Path) -> Path:
    """One panel per cost: every completed trial, its 2-D Pareto front highlighted and joined."""
    plt = _pyplot()
    costs = [c for c in COST_AXES if any(r.value is not None and r.costs.get(c) is not None for r in records)]
    fig, axes = plt.subplots(1, max(len(costs), 1), figsize=(4.3 * max(len(costs), 1), 4), squeeze=False)
    for ax, cost in zip(axes[0], costs):
        done = [r for r in records if r.value is not None and r.costs.get(cost) is not None]
        points = [(r.value, float(r.costs[cost])) for r in done]
        ax.scatter([p[1] for p in points], [p[0] for p in points], s=16, color="tab:gray", alpha=0.6, label="trial")
        front = sorted((points[i] for i in pareto_front(points, maximize)), key=lambda p: p[1])
        ax.step([p[1] for p in front], [p[0] for p in front], where="post", color="tab:red")
        ax.scatter([p[1] for p in front], [p[0] for p in front], s=30, color="tab:red", label="Pareto-optimal", zorder=3)
        for r in done:
            if (r.value, float(r.costs[cost])) in front:
                ax.annotate(str(r.number), (float(r.costs[cost]), r.value), fontsize=7, xytext=(3, 3), textcoords="offset points")
        _log_x(ax)
        ax.set(xlabel=f"{COST_AXES[cost]} (log scale)", ylabel=f"validation {metric}", title=f"{metric} vs {COST_TITLES[cost]}")
        ax.grid(alpha=0.3, which="both")
        ax.legend(loc="best", fontsize=8)
    if not costs:
        axes[0][0].text(0.5, 0.5, "no completed trial with stored costs", ha="center", va="center")
        axes[0][0].set_axis_off()
    return _save(fig, path)


def size_scatter(records: Sequence[Any], metric: str, maximize: bool, path: Path) -> Path:
    """Metric against parameters for every trained trial, coloured by latency; pruned as crosses."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    done = [r for r in records if r.value is not None and r.costs.get("params")]
    lat = [r.costs.get("latency_ms") or 0.0 for r in done]
    points = ax.scatter([r.costs["params"] for r in done], [r.value for r in done], c=lat, cmap="viridis", s=30)
    if done:
        fig.colorbar(points, ax=ax, label="latency at batch 1 (ms)")
    pruned = [r for r in records if r.state == "pruned" and r.curve and r.costs.get("params")]
    if pruned:
        pick = max if maximize else min
        ax.scatter([r.costs["params"] for r in pruned], [pick(r.curve) for r in pruned], marker="x",
                   color="tab:red", s=25, label="pruned: best epoch before stop")
        ax.legend(loc="best", fontsize=8)
    _log_x(ax)
    ax.set(xlabel="parameters (log scale)", ylabel=f"validation {metric}", title=f"{metric} vs model size")
    ax.grid(alpha=0.3, which="both")
    return _save(fig, path)


def curves(records: Sequence[Any], metric: str, path: Path) -> Path:
    """Validation metric per epoch of the given (top) trials."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for r in records:
        label = f"trial {r.number}: {r.summary[:40]}"
        ax.plot(range(1, len(r.curve) + 1), r.curve, marker="o", markersize=3, label=label)
    ax.set(xlabel="epoch", ylabel=f"validation {metric}", title="Learning curves of the top trials")
    ax.grid(alpha=0.3)
    if records:
        ax.legend(loc="best", fontsize=7)
    return _save(fig, path)


def importances(values: dict[str, float], path: Path) -> Path:
    """Horizontal bars: how much of the metric's variance each architecture choice explains."""
    plt = _pyplot()
    names = list(values)[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1.5))
    ax.barh(names, [values[n] for n in names], color="tab:blue")
    ax.set(xlabel="importance (fANOVA share of variance)", ylabel="search-space parameter",
           title="Which choices mattered")
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, path)
