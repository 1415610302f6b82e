"""`nas leaderboard` and `nas studies`: read what searches stored."""
from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from nas.commands._common import StorageOpt, StudyOpt, console, quiet_optuna
from nas.errors import UsageError

def leaderboard(
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    top: Optional[int] = typer.Option(None, "--top", help="Show only the best K trials."),
    all_: bool = typer.Option(False, "--all", help="Also list pruned, failed and running trials (with reasons)."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON for scripts."),
    pareto: bool = typer.Option(False, "--pareto", help="Only the Pareto-optimal trials (every objective of the study; feasible ones)."),
) -> None:
    """Rank the completed trials of a study by validation metric."""
    from nas.metrics import format_metrics
    from nas.progress import fmt
    from nas.store import leaderboard as rank
    from nas.store import load_study, open_storage

    if top is not None and top < 1:
        raise UsageError(f"--top: must be at least 1, got {top}")
    quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    rows = rank(loaded, top=top, include_all=all_, pareto=pareto)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    metric = loaded.user_attrs.get("nas", {}).get("metric", "value")
    objectives = loaded.user_attrs.get("nas", {}).get("objectives") or [metric]
    table = Table(title=f"study {loaded.study_name}" + (f": Pareto front of {', '.join(objectives)}" if pareto else ""))
    cols = ["rank", "trial", f"val {metric}", f"test {metric}", "other test metrics", "params", "flops", "latency ms",
            "seconds", "architecture"]
    for col in cols + (["state", "reason"] if all_ else []):
        table.add_column(col, overflow="fold")
    for r in rows:
        also = {k: v for k, v in (r.get("test_metrics") or {}).items() if k != metric}
        cells = [str(r["rank"] or "-"), str(r["trial"]), fmt(r["value"]), fmt(r["test"]), format_metrics(also) or "-",
                 f"{r['params']:,}" if r["params"] is not None else "-",
                 f"{r['flops']:,}" if r.get("flops") is not None else "-", fmt(r.get("latency_ms"), 3),
                 fmt(r["seconds"], 1), r["summary"]]
        table.add_row(*cells, *([r["state"], r["reason"] or ""] if all_ else []))
    console.print(table)


def studies(storage: Optional[str] = StorageOpt,
            as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON.")) -> None:
    """List the studies in a store with trial counts and best value."""
    from nas.progress import fmt
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
    console.print(table)
