"""Typed errors. The CLI turns every `NasError` into one line on stderr and exit code 2.

Two levels matter to the search loop:
- `NasError` and its kinds are fatal: bad user input, detected before anything is stored.
- `TrialError` is trial-level: the trial is recorded as failed with its reason and the search goes on.
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable


class NasError(Exception):
    """A problem with what the user handed in. The message is one line that names the thing."""


class SpaceError(NasError):
    """A search-space file is malformed: the message names the file and the key path."""


class DataError(NasError):
    """A dataset or data file cannot be used."""


class StoreError(NasError):
    """A storage URL, study or trial cannot be opened or found."""


class UsageError(NasError):
    """A command-line value is out of range or inconsistent with another."""


class BundleError(NasError):
    """An export bundle is missing, tampered with, truncated, or fails its export-time checks."""


class TrialError(Exception):
    """A single trial failed (diverged, out of memory, bad architecture); the search goes on."""


class DivergedError(TrialError):
    """The training loss became NaN or infinite."""


def first_line(exc: BaseException) -> str:
    """What a one-line error says went wrong: the exception's first line, or its type's name when it
    has no message (a reader's bare KeyError or IndexError)."""
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def nearest(name: str, options: Iterable[str]) -> str:
    """Return ' (did you mean X?)' for the closest option, or a list of valid options."""
    options = sorted(set(options))
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.5)
    if close:
        return f" (did you mean '{close[0]}'?)"
    return f" (expected one of: {', '.join(options)})"


def column_list(names: list[str], ends: int = 5) -> str:
    """The columns to choose a target from, in one line: all of them, or the first and last `ends`
    of a wide file (a target usually comes last: UCI, Kaggle, scikit-learn's frames) and the count."""
    if len(names) <= 2 * ends + 2:
        return "one of: " + ", ".join(names)
    return f"{len(names)} columns: {', '.join(names[:ends])}, ..., {', '.join(names[-ends:])}"
