"""The `nas` command line: a thin Typer front over the library.

The commands live in `nas.commands` (one module per concern); each parses its flags, calls one
library function and renders the result with Rich.
Errors: `_NasGroup.main` is the one place where a `NasError` (or a bad flag) becomes one line
on stderr and exit code 2, with no traceback. Heavy imports happen inside the commands, so
`nas --help` is instant.
"""
from __future__ import annotations

import sys
from typing import Any

import typer
from typer._click.exceptions import ClickException  # Typer >= 0.29 vendors click
from typer.core import TyperGroup
from typer.exceptions import Abort

from nas.commands import register
from nas.commands._common import err_console
from nas.errors import NasError

EXIT_USAGE = 2


class _NasGroup(TyperGroup):
    """Turns NasError and click usage errors into `error: <one line>` and exit code 2."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            rv = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                              standalone_mode=False, **extra)
        except (NasError, ClickException) as exc:
            message = exc.format_message() if isinstance(exc, ClickException) else str(exc)
            err_console.print(f"error: {' '.join(message.split())}", highlight=False, markup=False, soft_wrap=True)
            code = EXIT_USAGE if not isinstance(exc, ClickException) or exc.exit_code in (1, 2) else exc.exit_code
            if standalone_mode:
                sys.exit(code)
            raise
        except Abort:
            err_console.print("aborted")
            if standalone_mode:
                sys.exit(130)
            raise
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


app = typer.Typer(
    cls=_NasGroup, add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
    help="Neural architecture search: describe a space in YAML, let Optuna and PyTorch find the best network.",
)

register(app)


def main() -> None:
    """Console-script entry point (`nas`)."""
    app()
