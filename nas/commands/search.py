"""`nas search`: run or resume a study."""
from __future__ import annotations

from typing import Any, Optional

import typer

from nas.commands._common import StorageOpt, StudyOpt, console, parse_duration, quiet_optuna, ranged
from nas.format import fmt, format_blend, format_metrics

def search(
    task: Optional[str] = typer.Option(None, "--task", help="image (CNN), sequence (rocket, conv1d or RNN) or tabular (MLP) (default: inferred from --data or --dataset, else image)."),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Built-in dataset, see `nas datasets` (default: the task's: digits, digits_seq, breast_cancer)."),
    trials: int = ranged(20, "--trials", "Total finished trials wanted in the study (earlier runs count; repeats of a finished configuration are reused, not counted, nor are trials stopped as too slow for the time budget)."),
    timeout: str = typer.Option("9m", "--timeout", help="Wall-clock budget, e.g. 90s, 30m, 1h30m, or none, counted from the start, the final model included: trials stop early enough to leave the best one time for its final model; a trial running at the deadline is stopped (its configuration re-queued for a resume; while no trial has finished, it ends its training there and completes). Default 9m: 20 trials or 9 minutes, whichever comes first; run again to go on."),
    epochs: Optional[int] = ranged(None, "--epochs", "Override the space's training epochs."),
    seed: int = ranged(0, "--seed", "Seed of the data split, the sampler and every trial."),
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N (auto takes a GPU when there is one)."),
    space: Optional[str] = typer.Option(None, "--space", help="Space YAML file, or a shipped space name (default: the task's; a resumed study keeps the space it was made with)."),
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
    data: Optional[str] = typer.Option(None, "--data", help="Your data: an image folder (one sub-folder per class, or train/ and test/ (and val/) folders of them: the split as given), a folder of one file a split (train-*.parquet and test-*.parquet as downloaded from the Hugging Face Hub, a split's shards read as one table; train.csv and test.csv), a .npz (X and y, or X_train, y_train with X_val, y_val and/or X_test, y_test: a given test split is kept, and without X_val a quarter of X_train validates; N x T series are recognised) a .ts file (the UCR/UEA archives' format, read by aeon), a .tsf file (the Monash archive's many series to forecast: one model, each series' last @horizon steps its test), an .arff file (Weka, OpenML; the class is its last attribute) or a text table, .csv / .tsv / .txt / .data (also compressed: .gz, .bz2, .xz) or an Excel .xlsx, with or without a header row, or a .parquet / .feather file (a table, or images beside labels as the Hugging Face Hub ships them), or a .json / .jsonl table (JSON Lines, a list of rows, what pandas' to_json writes). A table is a series to forecast with --window, or when it is one value column over time (a date or year column beside it); many series in long format, id, time and value columns (Nixtla's unique_id, ds, y), forecast by one model; one series per row when its columns look like series, or with --task sequence."),
    test_data: Optional[str] = typer.Option(None, "--test-data", help="A second file (or image folder) like --data whose rows are the test split, scored as given (a benchmark's TEST file); a quarter of --data's rows validates. A series to forecast: the steps that follow --data's."),
    target: Optional[str] = typer.Option(None, "--target", help="CSV: the column to predict (the series to forecast with --window; a Parquet file of images: its labels); default: the one column named target, label, class or y, or the value column of a file of one series."),
    window: Optional[int] = ranged(None, "--window", "CSV series and .tsf files: steps per input window; the target one step later is forecast. Default for a file of one series: its season, found by autocorrelation, else 8; for a .tsf file: the largest of its horizon, its season and 4."),
    image_size: Optional[int] = ranged(None, "--image-size", "Images (a folder, a Parquet file or an NPZ of them): resize every image to N x N (default: their common size, or their median if sizes differ; either at most 32 pixels a side)."),
    kind: Optional[str] = typer.Option(None, "--kind", help="classification or regression (default: inferred from the target)."),
    layout: Optional[str] = typer.Option(None, "--layout", help="An .npz of sequences: steps (N x T x F) or channels (N x C x T, aeon's). Default: the shorter of the two axes is channels."),
    threads: Optional[int] = ranged(None, "--threads", "CPU threads per worker (default: the cores split between workers). 1 is fastest for small models on a busy machine."),
    prescreen: int = ranged(1, "--prescreen", "Per trial, draw N candidates, score each by parameter count (a training-free proxy, measured best of those tried) and train only the best; 1 = off."),
    workers: int = ranged(1, "--workers", "Worker processes sharing the study (CPU threads split between them; one GPU each when there are several)."),
    cv: Optional[int] = ranged(None, "--cv", "Score each trial by K-fold cross-validation over train + validation (stratified; time-ordered for series); 1: the holdout split. Default: 5 folds up to 1,000 train + validation rows, else holdout (a resumed study keeps its own)."),
    refit: bool = typer.Option(True, "--refit/--no-refit", help="After the search, build the best configuration's final model: the ensemble of its fold models (cross-validation), its refit on train + validation for its chosen epochs averaged with its search-time model (holdout), or that refit alone (series, cost goals); export and predict use it."),
    blend: bool = typer.Option(False, "--blend/--no-blend", help="Let the final model average the top trials' final models, weighted by ensemble selection on their held-out predictions (never with cost objectives or limits). Off by default: higher mean accuracy on some small sets, but not more often above the baseline (docs/model-selection.md)."),
) -> None:
    """Search architectures for a task; running it again resumes the same study."""
    from nas.commands._progress import make_observer, plain_observer
    from nas.search import SearchConfig, run_search
    from nas.search.events import SearchObserver

    quiet_optuna()
    cfg = SearchConfig.from_flags(task=task, dataset=dataset, space=space, trials=trials,
                       timeout=parse_duration(timeout), epochs=epochs, seed=seed,
                       device=device, study=study, storage=storage, artifacts=artifacts,
                       sampler=sampler, pruner=pruner, data=data, test_data=test_data, target=target, window=window,
                       image_size=image_size, kind=kind, layout=layout, objectives=objectives, max_params=max_params,
                       max_flops=max_flops, max_latency_ms=max_latency_ms, latency_batch=latency_batch,
                       workers=workers, threads=threads, prescreen=prescreen, cv=cv, refit=refit, blend=blend)
    result = run_search(cfg, make_observer(console, quiet), SearchObserver if quiet else plain_observer)
    _print_summary(result)
    if result.interrupted:  # 130 after SIGINT (Ctrl-C), 143 after SIGTERM
        raise typer.Exit(128 + (result.signal or 2))


def _print_summary(result: Any) -> None:
    console.print(f"study '{result.study}' in {result.storage}: {result.complete} complete, "
                  f"{result.pruned} pruned, {result.failed} failed (target {result.total}); "
                  + (f"{result.requeued} of the failed stopped unfinished (time budget, signal or a dead worker), "
                     f"configuration re-queued; " if result.requeued else "")
                  + (f"{result.rejected} of the complete rejected by a cost limit, untrained; " if result.rejected else "")
                  + (f"{result.repeats} of them repeats of a finished configuration (reused, not counted); "
                     if result.repeats else "")
                  + (f"{result.slow} of the pruned too slow for the time left (stopped after 2 epochs, not counted); "
                     if result.slow else "") +
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
    if result.leader:
        leader = result.leader
        family = " of its family" if result.leader_family else ""
        console.print(f"  chosen by the one-standard-error rule: the fewest parameters{family} within one standard error "
                      f"of the best validation {result.metric} (fold by fold), trial {leader['trial']}'s "
                      f"{fmt(leader['value'])} ({leader['params']:,} parameters)", highlight=False)
    console.print(f"  validation {result.metric} {_validation(best, result.folds)}, {best['params']:,} parameters, "
                  f"{fmt(best['seconds'], 1)}s training", highlight=False)
    _print_test(best, result)
    _print_baseline(best, result)


def _epochs(count: int) -> str:
    return f"{count} epoch" + ("" if count == 1 else "s")


def _validation(best: dict[str, Any], folds: int) -> str:
    """'0.9692 ± 0.0120 (5-fold CV at 23 epochs)' or '0.9692 (holdout, smoothed, at 23 epochs)'."""
    epochs = f" at {_epochs(best['chosen_epochs'])}" if best.get("chosen_epochs") else ""
    if best.get("chosen_weight_decay") is not None:  # a linear model: its epochs walk a regularisation path
        decay = best["chosen_weight_decay"]
        epochs = f" at weight decay {decay:.3g} on its regularisation path" + ("" if decay else ", least squares")
    trained = best.get("folds") or folds  # fewer when the budget ended the study's first trial (nas.search.objective)
    if folds > 1:
        scheme = f"{folds}-fold CV" if trained >= folds else f"{folds}-fold CV, {trained} fold{'s' if trained > 1 else ''} trained"
        spread = f" ± {fmt(best.get('fold_std'))}" if trained > 1 else ""
        return f"{fmt(best['value'])}{spread} ({scheme}{epochs})"
    return f"{fmt(best['value'])} (holdout{epochs})"


def _final_model(best: dict[str, Any], folds: int) -> str:
    """What the shipped model is: 'ensemble of the 5 fold models', 'refit on train + validation,
    7 epochs', or, for a linear regression, '... at weight decay 0.1' (the step its path refit to),
    with ', averaged with the search-time model' for a pair; a blend of trials names them with
    their weights."""
    if best.get("refit_blend"):
        return format_blend(best["refit_blend"], best.get("refit_kind"))
    if best.get("refit_kind") == "ensemble":
        return f"ensemble of the {folds} fold models"
    decay = best.get("chosen_weight_decay")  # a linear regression: its epochs are steps of its path
    refit = (f"refit on train + validation at weight decay {decay:.3g}" if decay is not None
             else f"refit on train + validation, {_epochs(best['refit_epochs'])}")
    return f"{refit}, averaged with the search-time model" if best.get("refit_kind") == "pair" else refit


def _print_test(best: dict[str, Any], result: Any) -> None:
    """The chosen model's test figures: the final model's (nas.search.refit), beside the search-time model's."""
    search_model = "the search-time fold-1 model" if result.folds > 1 else "the search-time model"
    if best.get("refit_test") is not None:
        console.print(f"  test {format_metrics(best['refit_test_metrics'] or {})} ({_final_model(best, result.folds)}); "
                      f"{search_model}: test {result.metric} {fmt(best['test'])}", highlight=False)
        if best.get("refit_blend_cut"):
            console.print(f"  no blend: {best['refit_blend_cut']}", highlight=False)
        return
    figures = format_metrics(best["test_metrics"]) if best.get("test_metrics") else f"{result.metric} {fmt(best['test'])}"
    if result.refit_error:
        console.print(f"  no final model: {result.refit_error}", highlight=False)
    console.print(f"  test {figures} ({search_model[4:]})", highlight=False)


def _print_baseline(best: dict[str, Any], result: Any) -> None:
    """The plain baseline measured on the same split, and one plain line when it beats the
    chosen model on validation (on the same folds, when the search cross-validated)."""
    from nas.baseline import baseline_beats

    baseline = result.baseline
    if not baseline:
        return
    ref = baseline["reference"]
    console.print(f"baseline {baseline['model']}: test {format_metrics(baseline['test'])} "
                  f"({ref['model']}: {format_metrics(ref['test'])})", highlight=False)
    cv = baseline.get("cv") if result.folds > 1 else None
    theirs = (cv or baseline)["val"].get(result.metric)
    ours = best.get("value")
    if theirs is None or ours is None:
        return
    scale = ref["test"].get(result.metric) if result.direction == "minimize" else None
    if baseline_beats(theirs, ours, result.direction, scale or 0.0):
        how = f"{cv['folds']}-fold CV" if cv else "holdout"
        console.print(f"the baseline beats the chosen model on validation ({baseline['model']} {result.metric} "
                      f"{fmt(theirs)} vs {fmt(ours)}, {how}): prefer it, or search longer or with another space",
                      highlight=False)
