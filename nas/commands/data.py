"""`nas datasets`: the built-in datasets, what they are and where they come from."""
from __future__ import annotations

import json

import typer
from rich.table import Table

from nas.commands._common import print_table


def _installed(extra: str | None) -> bool:
    import importlib.util

    from nas.data import EXTRAS

    return extra is None or importlib.util.find_spec(EXTRAS[extra]) is not None


def datasets(as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON.")) -> None:
    """List the built-in datasets (use with --dataset NAME): task, shape, kind, size, source."""
    from nas.data import BUILTINS, DEFAULT_DATASET

    defaults = {name: task for task, name in DEFAULT_DATASET.items()}
    rows = [{"name": name, "task": d.task, "kind": d.kind, "shape": list(d.shape), "rows": d.rows,
             "source": d.source, "default": name in defaults, "window": d.window,
             "installed": _installed(d.extra), "extra": d.extra, "summary": d.summary}
            for name, d in BUILTINS.items()]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title="built-in datasets (nas search --dataset NAME)", caption="* the task's default dataset")
    for col in ("name", "task", "kind", "shape", "rows", "source"):
        table.add_column(col, overflow="fold")
    for r in rows:
        source = r["source"] if r["installed"] else f"{r['source']} (pip install 'nas[{r['extra']}]')"
        name = r["name"] + (" *" if r["default"] else "")
        table.add_row(name, r["task"], r["kind"], "x".join(map(str, r["shape"])), str(r["rows"]), source)
    print_table(table)
