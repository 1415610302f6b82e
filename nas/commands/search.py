"""`nas search`: run or resume a study."""
from __future__ import annotations

from typing import Any, Optional

import typer

from nas.commands._common import StorageOpt, StudyOpt, console, parse_duration, quiet_optuna

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
    workers: int = typer.Option(1, "--workers", help="Worker processes sharing the study (CPU threads split between them; one GPU each when there are several)."),
) -> None:
    """Search architectures for a task; running it again resumes the same study."""
    from nas.progress import make_observer
    from nas.search import SearchConfig, run_search

    quiet_optuna()
    cfg = SearchConfig(task=task, dataset=dataset, space=space, trials=trials,
                       timeout=parse_duration(timeout) if timeout else None, epochs=epochs, seed=seed,
                       device=device, study=study, storage=storage, artifacts=artifacts,
                       sampler=sampler, pruner=pruner, workers=workers)
    result = run_search(cfg, make_observer(console, quiet))
    _print_summary(result)
    if result.interrupted:  # 130 after SIGINT (Ctrl-C), 143 after SIGTERM
        raise typer.Exit(128 + (result.signal or 2))


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
