"""`nas leaderboard` and `nas studies`: read what searches stored."""
from __future__ import annotations

import json
from typing import Any, Optional

import typer
from rich.table import Table

from nas.commands._common import StorageOpt, StudyOpt, console, print_table, quiet_optuna, ranged
from nas.format import fmt, format_blend_trials, format_metrics

def leaderboard(
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    top: Optional[int] = ranged(None, "--top", "Show only the best K trials."),
    all_: bool = typer.Option(False, "--all", help="Also list pruned, failed and running trials (with reasons)."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON for scripts."),
    pareto: bool = typer.Option(False, "--pareto", help="Only the Pareto-optimal trials (every objective of the study; feasible ones)."),
) -> None:
    """Rank the completed trials of a study by validation metric (ties: by validation loss)."""
    from nas.store import leaderboard as rank
    from nas.store import load_study, open_storage

    quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    rows = rank(loaded, top=top, include_all=all_, pareto=pareto)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    print_table(_leaderboard_table(loaded, rows, all_, pareto))


def _int(value: Any) -> str:
    return "-" if value is None else f"{value:,}"


def _leaderboard_table(study: Any, rows: list[dict[str, Any]], all_: bool, pareto: bool) -> Table:
    """Columns that fit: cost columns only for studies that search or limit costs, the other test
    metrics only on a wide terminal; the architecture summary wraps at its ` | ` separators."""
    from nas.store import study_record


    record = study_record(study)
    metric = record.metric if record else "value"
    short = {"accuracy": "acc"}.get(metric, metric)
    objectives = (record.objectives if record else None) or [metric]
    costs = len(objectives) > 1 or pareto or any(r.get("rejected") for r in rows)
    columns: list[tuple[str, Any]] = [
        ("#", lambda r: str(r["rank"] or "-")), ("trial", lambda r: str(r["trial"])),
        (f"val {short}", lambda r: fmt(r["value"])), (f"test {short}", lambda r: fmt(r["test"])),
    ]
    if any(r.get("refit_test") is not None for r in rows):  # the shipped model (nas.search.refit)
        columns.append((f"final test {short}", lambda r: fmt(r.get("refit_test"))))
    if console.width >= 120:
        columns.append(("other test metrics", lambda r: format_metrics(
            {k: v for k, v in (r.get("test_metrics") or {}).items() if k != metric}) or "-"))
    columns.append(("params", lambda r: _int(r["params"])))
    if costs:
        columns += [("flops", lambda r: _int(r.get("flops"))), ("lat ms", lambda r: fmt(r.get("latency_ms"), 3))]
    columns += [("train s", lambda r: fmt(r["seconds"], 1)), ("architecture", lambda r: r["summary"])]
    if all_:
        columns += [("state", lambda r: r["state"]), ("reason", lambda r: r["reason"] or "")]
    folds = record.cv if record else 1
    title = (f"study {study.study_name}" + (f" ({folds}-fold CV)" if folds > 1 else "")
             + (f": Pareto front of {', '.join(objectives)}" if pareto else ""))
    blends = [f"trial {r['trial']}'s final model blends trials {format_blend_trials(r['refit_blend'])}"
              for r in rows if r.get("refit_blend")]  # nas search --blend
    table = Table(title=title, caption="; ".join(blends) or None)
    for name, _ in columns:
        wraps = name in ("architecture", "reason", "other test metrics")
        table.add_column(name, no_wrap=not wraps, ratio=3 if name == "architecture" else None,
                         min_width=16 if name == "architecture" else None)
    for r in rows:
        table.add_row(*(cell(r) for _, cell in columns))
    return table


def studies(storage: Optional[str] = StorageOpt,
            as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON.")) -> None:
    """List the studies in a store with trial counts and best value."""
    from nas.store import open_storage, study_summaries

    quiet_optuna()
    rows = study_summaries(open_storage(storage, create=False))
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="studies")
    for col in ("study", "task", "dataset", "metric", "complete", "pruned", "failed", "best", "created"):
        table.add_column(col)
    for r in rows:
        table.add_row(r["study"], str(r["task"]), str(r["dataset"]), str(r["metric"]), str(r["complete"]),
                      str(r["pruned"]), str(r["failed"]), fmt(r["best"]), str(r["created"]))
    print_table(table)
