"""What the command modules share: consoles, options defined once, duration parsing."""
from __future__ import annotations

import re
from typing import Any

import typer
from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from nas.errors import UsageError
from nas.limits import LIMITS, check

# No Rich markup and no emoji codes: what nas prints holds users' names (a column `Water flow
# [l/s]`, a class `11:100:2`, a study, a path), and markup would take `[l/s]` for a style and drop
# it, emoji codes would print `11💯2`. nas itself styles nothing inline and prints no emoji.
console = Console(soft_wrap=True, markup=False, emoji=False)
err_console = Console(stderr=True, markup=False, emoji=False)

# Options shared by several commands, defined once.
StorageOpt = typer.Option(None, "--storage", envvar="NAS_STORAGE", show_envvar=True,
                          help="SQLAlchemy URL of the study store (default: sqlite:///studies/nas.db).")
StudyOpt = typer.Option(None, "--study", help="Study name (default: <task>-<dataset>, or the store's only study).")



def ranged(default: Any, flag: str, help: str, *aliases: str) -> Any:
    """A numeric option whose valid range, check and help text come from `nas.limits` (one table).

    The check runs while the command line is parsed, so a bad value stops the command before it
    opens a store or reads data: one `error: --flag: ...` line, exit 2.
    """
    def in_range(value: Any) -> Any:
        return value if value is None else check(flag, value)

    return typer.Option(default, flag, *aliases, help=f"{help} ({LIMITS[flag].text()})", callback=in_range)


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?$")


NO_LIMIT = ("none", "off")


def parse_duration(text: str) -> float | None:
    """'90', '90s', '30m', '1h30m' -> seconds; 'none' or 'off' -> None (no limit). UsageError otherwise."""
    if text.strip().lower() in NO_LIMIT:
        return None
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(f"--timeout: cannot read '{text}' as a duration (use e.g. 90s, 30m, 1h30m, or none)")
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    seconds = h * 3600 + m * 60 + s
    if seconds <= 0:
        raise UsageError(f"--timeout: must be positive, got '{text}'")
    return check("--timeout", seconds)


def quiet_optuna() -> None:
    """Optuna logs every trial at INFO; nas prints its own. Lazy: `nas predict` and `nas --help`
    must not load Optuna and SQLAlchemy (imported only by the commands that read a store)."""
    from nas.store.storage import quiet_optuna as quiet

    quiet()


def print_table(table: Table) -> None:
    """Print a table without ever cutting a cell (study names and architectures must stay whole:
    users copy them). On a terminal long cells wrap inside their column; piped or redirected,
    the table is plain (no box lines) and as wide as its content, one line per row."""
    for column in table.columns:
        column.overflow, column.no_wrap = "fold", False
    if not console.is_terminal:
        table.box = None
        table.width = Measurement.get(console, console.options.update(max_width=1_000_000), table).maximum
    console.print(table, crop=False)
