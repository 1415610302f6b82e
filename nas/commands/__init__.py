"""The CLI's commands, one module per concern; each is a thin adapter over the library.

`register` is the one list of commands: add a module here and a line below.
"""
from __future__ import annotations

from typing import Any


def register(app: Any) -> None:
    from nas.commands import data, export, report, rerun, results, search, validate

    app.command()(search.search)
    app.command()(validate.validate)
    app.command()(results.leaderboard)
    app.command()(results.studies)
    app.command()(data.datasets)
    app.command()(export.export)
    app.command()(export.predict)
    app.command()(export.retrain)
    app.command()(report.report)
    app.command()(rerun.rerun)
