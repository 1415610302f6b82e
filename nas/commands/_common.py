"""What the command modules share: consoles, options defined once, duration parsing."""
from __future__ import annotations

import re
from typing import Any

import typer
from rich.console import Console

from nas.errors import UsageError
from nas.limits import LIMITS, check

console = Console(soft_wrap=True)
err_console = Console(stderr=True)

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


def parse_duration(text: str) -> float:
    """'90', '90s', '30m', '1h30m' -> seconds. UsageError otherwise."""
    match = _DURATION.match(text.strip().lower())
    if not text.strip() or not match or not any(match.groups()):
        raise UsageError(f"--timeout: cannot read '{text}' as a duration (use e.g. 90s, 30m, 1h30m)")
    h, m, s = (float(g) if g else 0.0 for g in match.groups())
    seconds = h * 3600 + m * 60 + s
    if seconds <= 0:
        raise UsageError(f"--timeout: must be positive, got '{text}'")
    return check("--timeout", seconds)


def quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


