"""`nas report`: figures and a self-contained HTML page for a study."""
from __future__ import annotations

from typing import Optional

import typer

from nas.commands._common import StorageOpt, StudyOpt, console, quiet_optuna


def report(
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    out: Optional[str] = typer.Option(None, "--out", help="Output folder (default: reports/<study>)."),
) -> None:
    """Write PNG plots and one HTML page (history, Pareto fronts, importances, curves, leaderboard)."""
    from nas.report import write_report
    from nas.store import load_study, mask_url, open_storage, storage_url

    quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    result = write_report(loaded, out or f"reports/{loaded.study_name}", mask_url(storage_url(storage)))
    console.print(f"wrote {result.html} and {len(result.figures)} figures: "
                  f"{', '.join(p.name for p in result.figures.values())}", highlight=False)
    for note in result.notes:
        console.print(f"left out: {note}", highlight=False)
