"""`nas search`: run or resume a study."""
from __future__ import annotations

from typing import Any, Optional

import typer

from nas.commands._common import StorageOpt, StudyOpt, console, parse_duration, quiet_optuna, ranged
from nas.format import fmt, format_metrics

def search(
    task: Optional[str] = typer.Option(None, "--task", help="image (CNN), sequence (conv1d or RNN) or tabular (MLP) (default: inferred from --data or --dataset, else image)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Built-in dataset, see `nas datasets` (default: the task's: digits, digits_seq, breast_cancer)."),
    trials: int = ranged(20, "--trials", "Total finished trials wanted in the study (earlier runs count)."),
    timeout: Optional[str] = typer.Option(None, "--timeout", help="Wall-clock budget, e.g. 90s, 30m, 1h30m, counted from the start: then the running trial is stopped (its configuration re-queued for a resume) and the best trial so far is the answer."),
    epochs: Optional[int] = ranged(None, "--epochs", "Override the space's training epochs."),
    seed: int = ranged(0, "--seed", "Seed of the data split, the sampler and every trial."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N (auto takes a GPU when there is one)."),
    space: Optional[str] = typer.Option(None, "--space", help="Space YAML file, or a shipped space name (default: the task's)."),
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    artifacts: Optional[str] = typer.Option(None, "--artifacts", envvar="NAS_ARTIFACTS", help="Checkpoint folder (default: artifacts/ beside the SQLite file)."),
    sampler: Optional[str] = typer.Option(None, "--sampler", help="tpe, random, evolution (regularized aging evolution), gp, cmaes, qmc or nsga2 (default: tpe; nsga2 with several objectives)."),
    pruner: str = typer.Option("median", "--pruner", help="median, hyperband or none (several objectives: any but none stops clearly dominated trials)."),
    objectives: Optional[str] = typer.Option(None, "--objectives", help="Comma list, the task's metric first: e.g. accuracy,params (also flops, latency) for a Pareto search."),
    max_params: Optional[float] = ranged(None, "--max-params", "Reject, untrained, any candidate with more parameters."),
    max_flops: Optional[float] = ranged(None, "--max-flops", "Reject, untrained, any candidate above this many FLOPs per sample."),
    max_latency_ms: Optional[float] = ranged(None, "--max-latency-ms", "Reject, untrained, any candidate slower at batch 1 on the search device."),
    latency_batch: int = ranged(64, "--latency-batch", "Batch size of the second latency measurement stored on each trial."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the final summary."),
    data: Optional[str] = typer.Option(None, "--data", help="Your data: an image folder (one sub-folder per class), a .npz (X and y, or X_train, y_train, X_val, y_val and optionally X_test, y_test) or a .csv."),
    target: Optional[str] = typer.Option(None, "--target", help="CSV: the column to predict (the series to forecast with --window)."),
    window: Optional[int] = ranged(None, "--window", "CSV series: steps per input window; the target one step later is forecast."),
    image_size: Optional[int] = ranged(None, "--image-size", "Image folder: resize every image to N x N (default: their common size)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="classification or regression (default: inferred from the target)."),
    threads: Optional[int] = ranged(None, "--threads", "CPU threads per worker (default: the cores split between workers). 1 is fastest for small models on a busy machine."),
    prescreen: int = ranged(1, "--prescreen", "Per trial, draw N candidates, score each by parameter count (a training-free proxy, measured best of those tried) and train only the best; 1 = off."),
    workers: int = ranged(1, "--workers", "Worker processes sharing the study (CPU threads split between them; one GPU each when there are several)."),
) -> None:
    """Search architectures for a task; running it again resumes the same study."""
    from nas.commands._progress import make_observer, plain_observer
    from nas.search import SearchConfig, run_search
    from nas.search.events import SearchObserver

    quiet_optuna()
    cfg = SearchConfig.from_flags(task=task, dataset=dataset, space=space, trials=trials,
                       timeout=parse_duration(timeout) if timeout else None, epochs=epochs, seed=seed,
                       device=device, study=study, storage=storage, artifacts=artifacts,
                       sampler=sampler, pruner=pruner, data=data, target=target, window=window,
                       image_size=image_size, kind=kind, objectives=objectives, max_params=max_params,
                       max_flops=max_flops, max_latency_ms=max_latency_ms, latency_batch=latency_batch,
                       workers=workers, threads=threads, prescreen=prescreen)
    result = run_search(cfg, make_observer(console, quiet), SearchObserver if quiet else plain_observer)
    _print_summary(result)
    if result.interrupted:  # 130 after SIGINT (Ctrl-C), 143 after SIGTERM
        raise typer.Exit(128 + (result.signal or 2))


def _print_summary(result: Any) -> None:
    console.print(f"study '{result.study}' in {result.storage}: {result.complete} complete, "
                  f"{result.pruned} pruned, {result.failed} failed (target {result.total}); "
                  + (f"{result.rejected} of the complete rejected by a cost limit, untrained; " if result.rejected else "") +
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
    _print_baseline(best, result.baseline)


def _print_baseline(best: dict[str, Any], baseline: dict[str, Any] | None) -> None:
    """The best trial's test metrics next to the plain baseline measured on the same split."""
    if best.get("test_metrics"):
        console.print(f"  test {format_metrics(best['test_metrics'])}", highlight=False)
    if baseline:
        ref = baseline["reference"]
        console.print(f"baseline {baseline['model']}: test {format_metrics(baseline['test'])} "
                      f"({ref['model']}: {format_metrics(ref['test'])})", highlight=False)
