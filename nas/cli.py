"""The `nas` command line: a thin Typer front over the library.

Each command parses its flags, calls one library function and renders the result with Rich.
Errors: `_NasGroup.main` is the one place where a `NasError` (or a bad flag) becomes one line
on stderr and exit code 2, with no traceback. Heavy imports happen inside the commands, so
`nas --help` is instant.
"""
from __future__ import annotations

import json
import re
import sys
from typing import Any, Optional

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from nas.errors import NasError, UsageError

from typer._click.exceptions import ClickException  # Typer >= 0.29 vendors click
from typer.exceptions import Abort

EXIT_USAGE = 2
console = Console(soft_wrap=True)
err_console = Console(stderr=True)


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

# Options shared by several commands, defined once.
StorageOpt = typer.Option(None, "--storage", envvar="NAS_STORAGE", show_envvar=True,
                          help="SQLAlchemy URL of the study store [default: sqlite:///studies/nas.db].")
StudyOpt = typer.Option(None, "--study", help="Study name [default: <task>-<dataset>, or the store's only study].")

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
    return seconds


def _quiet_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)


@app.command()
def search(
    task: str = typer.Option("image", "--task", help="image (CNN), sequence (RNN) or tabular (MLP)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Built-in dataset [default: the task's: digits, digits_seq, breast_cancer]."),
    trials: int = typer.Option(20, "--trials", help="Total finished trials wanted in the study (earlier runs count)."),
    timeout: Optional[str] = typer.Option(None, "--timeout", help="Wall-clock budget, e.g. 90s, 30m, 1h30m: no new trial starts after it."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Override the space's training epochs."),
    seed: int = typer.Option(0, "--seed", help="Seed of the data split, the sampler and every trial."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N (auto takes a GPU when there is one)."),
    space: Optional[str] = typer.Option(None, "--space", help="Space YAML file, or a shipped space name [default: the task's]."),
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    artifacts: Optional[str] = typer.Option(None, "--artifacts", envvar="NAS_ARTIFACTS", help="Checkpoint folder [default: artifacts/ beside the SQLite file]."),
    sampler: str = typer.Option("tpe", "--sampler", help="tpe, random, gp, cmaes, qmc or nsga2."),
    pruner: str = typer.Option("median", "--pruner", help="median, hyperband or none."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final summary."),
) -> None:
    """Search architectures for a task; running it again resumes the same study."""
    from nas.progress import make_observer
    from nas.search import SearchConfig, run_search

    _quiet_optuna()
    cfg = SearchConfig(task=task, dataset=dataset, space=space, trials=trials,
                       timeout=parse_duration(timeout) if timeout else None, epochs=epochs, seed=seed,
                       device=device, study=study, storage=storage, artifacts=artifacts,
                       sampler=sampler, pruner=pruner)
    result = run_search(cfg, make_observer(console, quiet))
    _print_summary(result)
    if result.interrupted:
        raise typer.Exit(130)


def _print_summary(result: Any) -> None:
    from nas.progress import fmt

    console.print(f"study '{result.study}' in {result.storage}: {result.complete} complete, "
                  f"{result.pruned} pruned, {result.failed} failed (target {result.total}); "
                  f"{result.ran} trial(s) ran this time in {result.seconds:.1f}s", highlight=False)
    if result.stopped_reason:
        console.print(f"stopped early: {result.stopped_reason}", highlight=False)
    if result.interrupted:
        console.print("interrupted: finished trials are saved; run the same command again to resume", highlight=False)
    best = result.best
    if best is None:
        console.print("no completed trial yet", highlight=False)
        return
    console.print(f"best trial {best['trial']}: {best['summary']}", highlight=False)
    console.print(f"  validation {result.metric} {fmt(best['value'])}, test {result.metric} {fmt(best['test'])}, "
                  f"{best['params']:,} parameters, {fmt(best['seconds'], 1)}s training", highlight=False)


@app.command()
def validate(
    path: str = typer.Argument(..., help="Space YAML file to check (or a shipped space name)."),
    samples: int = typer.Option(3, "--samples", help="How many random architectures to show."),
    seed: int = typer.Option(0, "--seed", help="Seed of the shown samples."),
) -> None:
    """Check a space file: free parameters, size of the space, and a few sampled architectures."""
    from nas.search import resolve_space
    from nas.space import format_size
    from nas.sample import random_archs

    if samples < 0:
        raise UsageError(f"--samples: must be 0 or more, got {samples}")
    space = resolve_space("", path, None)
    free = space.free_parameters()
    console.print(f"{space.source}: valid {space.family} space", highlight=False)
    console.print(f"  {len(free)} free parameters: {', '.join(free)}", highlight=False)
    console.print(f"  size: {format_size(*space.size())}", highlight=False)
    if samples:
        _show_samples(space, random_archs(space, samples, seed))


def _show_samples(space: Any, archs: list[Any]) -> None:
    from nas.models import build_model, count_params, summarize

    shapes = {"cnn": (1, 8, 8), "rnn": (8, 8), "mlp": (30,)}  # the built-in datasets' inputs
    table = Table(title=f"sampled architectures (parameters for input {shapes[space.family]}, 10 outputs)")
    for col in ("#", "architecture", "parameters", "training"):
        table.add_column(col)
    for i, arch in enumerate(archs):
        params = count_params(build_model(arch, shapes[space.family], 10))
        train = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in arch.train.items())
        table.add_row(str(i), summarize(arch), f"{params:,}", train)
    console.print(table)


@app.command()
def leaderboard(
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    top: Optional[int] = typer.Option(None, "--top", help="Show only the best K trials."),
    all_: bool = typer.Option(False, "--all", help="Also list pruned, failed and running trials (with reasons)."),
    as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON for scripts."),
) -> None:
    """Rank the completed trials of a study by validation metric."""
    from nas.progress import fmt
    from nas.store import leaderboard as rank
    from nas.store import load_study, open_storage

    if top is not None and top < 1:
        raise UsageError(f"--top: must be at least 1, got {top}")
    _quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    rows = rank(loaded, top=top, include_all=all_)
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    metric = loaded.user_attrs.get("nas", {}).get("metric", "value")
    table = Table(title=f"study {loaded.study_name}")
    cols = ["rank", "trial", f"val {metric}", f"test {metric}", "params", "seconds", "architecture"]
    for col in cols + (["state", "reason"] if all_ else []):
        table.add_column(col, overflow="fold")
    for r in rows:
        cells = [str(r["rank"] or "-"), str(r["trial"]), fmt(r["value"]), fmt(r["test"]),
                 f"{r['params']:,}" if r["params"] is not None else "-", fmt(r["seconds"], 1), r["summary"]]
        table.add_row(*cells, *([r["state"], r["reason"] or ""] if all_ else []))
    console.print(table)


@app.command()
def studies(storage: Optional[str] = StorageOpt,
            as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON.")) -> None:
    """List the studies in a store with trial counts and best value."""
    from nas.progress import fmt
    from nas.store import open_storage, study_summaries

    _quiet_optuna()
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


def main() -> None:
    """Console-script entry point (`nas`)."""
    app()
