"""`nas export`, `nas predict` and `nas retrain`: ship the searched model."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Optional

import typer
from rich.table import Table

from nas.commands._common import StorageOpt, StudyOpt, console, err_console, print_table, quiet_optuna, ranged
from nas.errors import UsageError

ArtifactsOpt = typer.Option(None, "--artifacts", envvar="NAS_ARTIFACTS",
                            help="Checkpoint folder (default: artifacts/ beside the SQLite file).")
FormatOpt = typer.Option("all", "--format", help="torchscript, onnx, state-dict or all; arch.json + "
                         "model.safetensors are always written (nas predict loads those).")
OutOpt = typer.Option(None, "--out", help="Bundle folder (default: bundles/<study>-trial<N>, or bundles/<study>-top<K>).")
ForceOpt = typer.Option(False, "--force", help="Replace an existing bundle at --out.")
JsonOpt = typer.Option(False, "--json", help="Print the bundle's manifest as JSON.")


def export(
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    artifacts: Optional[str] = ArtifactsOpt,
    trial: Optional[int] = ranged(None, "--trial", "Trial to export (default: the best by validation metric)."),
    fmt: str = FormatOpt,
    ensemble: Optional[int] = ranged(None, "--ensemble", "Export the top K trials as one model averaging their probabilities (outputs, for regression)."),
    out: Optional[Path] = OutOpt,
    force: bool = ForceOpt,
    as_json: bool = JsonOpt,
    refit: bool = typer.Option(True, "--refit/--no-refit", help="Export the final model the search built for the trial (the ensemble of its fold models, or its refit on train + validation) when there is one; --no-refit: its search-time checkpoint."),
) -> None:
    """Write a checked, self-describing bundle (model files, arch.json, manifest.json) for a trial."""
    from nas.ship.export import export_ensemble, export_trial, select_formats
    from nas.store import artifact_store, load_study, open_storage

    formats = select_formats(fmt)
    if ensemble is not None and trial is not None:
        raise UsageError("--ensemble takes the top K trials; it cannot be combined with --trial")
    quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    store = artifact_store(storage, artifacts)
    if ensemble is not None:
        result = export_ensemble(loaded, ensemble, formats, out, force, store)
    else:
        result = export_trial(loaded, trial, formats, out, force, store, use_refit=refit)
    if as_json:
        typer.echo(json.dumps(result.manifest, indent=2))
        return
    if ensemble is not None:
        _print_members(result.manifest)
    _print_bundle(result.path, result.manifest)


def _print_members(manifest: dict[str, Any]) -> None:
    """Leaderboard-style: each member, then the ensemble, on validation and test."""
    from nas.format import fmt

    metric, metrics = manifest["metric"], manifest["metrics"]
    averaged = "probabilities" if manifest["kind"] == "classification" else "outputs"
    table = Table(title=f"ensemble of {len(metrics['members'])} ({averaged} averaged)")
    for col in ("trial", f"val {metric}", f"test {metric}", "params", "architecture"):
        table.add_column(col)
    for m in metrics["members"]:
        table.add_row(str(m["trial"]), fmt(m["val"]), fmt(m["test"]), f"{m['params']:,}", m["summary"])
    table.add_row("ensemble", fmt(metrics["val"]), fmt(metrics["test"]), f"{manifest['model']['params']:,}",
                  "mean of the above", style="bold")
    print_table(table)
    best = metrics["best_single"]
    diff = metrics["test"] - best["test"]
    verdict = "same" if diff == 0 else "better" if (diff > 0) == (manifest["direction"] == "maximize") else "worse"
    console.print(f"ensemble test {metric} {fmt(metrics['test'])} vs best single (trial {best['trial']}) "
                  f"{fmt(best['test'])}: {diff:+.4f} ({verdict})", highlight=False)


def _print_bundle(path: Path, manifest: dict[str, Any]) -> None:
    from nas.format import fmt, format_blend

    checks, metric = manifest["checks"], manifest["metric"]
    source = manifest["source"]
    if "trial" in source:
        what = f"trial {source['trial']}: {manifest['model']['summary']}"
    else:
        what = f"trials {', '.join(map(str, source['trials']))} averaged"
    console.print(f"wrote bundle {path} (study '{source['study']}', {what})", highlight=False)
    repro = checks["test_reproduced"]
    how = "exactly" if repro["exact"] else "as " + fmt(repro["test"])
    console.print(f"  test {metric} {fmt(manifest['metrics']['test'])}, reproduced from the bundle {how} "
                  f"on {repro['device']}", highlight=False)
    refit = source.get("refit")
    if refit:
        what = (f"the ensemble of the {refit['members']} fold models" if refit["kind"] == "ensemble"
                else f"the refit on train + validation ({refit['epochs']} epochs)"
                + (" averaged with the search-time model" if refit["kind"] == "pair" else ""))
        if refit.get("blend"):  # nas search --blend: several trials' final models, weighted
            what = "the " + format_blend(refit["blend"], refit["kind"])
        console.print(f"  {what}; the search-time model scored test {metric} "
                      f"{fmt(manifest['metrics'].get('search_test'))}", highlight=False)
    for name in ("torchscript", "onnx"):
        if f"{name}_max_abs_diff" in checks:
            console.print(f"  {name}: max |diff| to PyTorch {checks[f'{name}_max_abs_diff']:.2g} on "
                          f"{checks['parity_rows']} validation inputs (limit {checks['parity_tolerance']:g})", highlight=False)
    files = ", ".join(f"{name} ({entry['bytes'] / 1024:.1f} KiB)" for name, entry in manifest["files"].items())
    console.print(f"  files: manifest.json, {files}", highlight=False)


def predict(
    bundle: Path = typer.Argument(..., help="Bundle folder written by `nas export` or `nas retrain`."),
    inputs: Path = typer.Argument(..., help="An image, a folder of images, a .npz with an X array (or, without one, X_test), a .ts, .tsf, .arff, Excel .xlsx, .parquet or .feather file (a table, or images beside their labels), a .json / .jsonl table, or a text table (.csv, .tsv, .txt, .data; also .gz, .bz2, .xz)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Write the predictions to this file instead of stdout."),
    fmt: str = typer.Option("csv", "--format", help="csv or json."),
    device: str = typer.Option("cpu", "--device", help="cpu, auto, cuda or cuda:N."),
) -> None:
    """Predict new inputs with a bundle alone: class and probability, or value, per input."""
    from nas.ship.bundle import load_bundle
    from nas.device import resolve_device
    from nas.ship.predict import check_format, predict_inputs, render

    check_format(fmt)
    where = resolve_device(device)
    loaded = load_bundle(bundle, where)
    rows, answers = predict_inputs(loaded, inputs, where)
    text = render(rows, fmt)
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--out: cannot write {out} ({exc.strerror or exc})") from None
        console.print(f"wrote {len(rows)} prediction(s) to {out}", highlight=False)
    if answers is not None:
        _score(rows, answers, inputs, loaded.data)


def _score(rows: list[dict[str, Any]], answers: Any, inputs: Path, info: dict[str, Any]) -> None:
    """The input held the answers (a CSV's target column, an NPZ's y, class folders): one line on
    stderr scores the predictions against them, so stdout stays the predictions alone."""
    from nas.format import format_metrics
    from nas.ship.predict import score_answers

    scored = score_answers(rows, answers, info)
    target = info.get("preprocessing", {}).get("target")
    prep = info.get("preprocessing", {})
    where = ("class folders" if inputs.is_dir() else f"file's column '{target}'" if target
             else "series' own steps, in their units" if "tsf_window" in prep else "file's y")
    if "window" in prep or "tsf_window" in prep:
        where += ", the value after each window"
    if scored.metrics:
        err_console.print(f"scored against the {where} ({scored.rows} rows): {format_metrics(scored.metrics)}",
                          highlight=False, soft_wrap=True)
    elif scored.reason:
        err_console.print(f"not scored against the {where}: {scored.reason}", highlight=False, soft_wrap=True)


def retrain(
    study: Optional[str] = StudyOpt,
    storage: Optional[str] = StorageOpt,
    trial: Optional[int] = ranged(None, "--trial", "Trial whose architecture to retrain (default: the best)."),
    epochs: Optional[int] = ranged(None, "--epochs", "Training epochs (default: the epoch count the search chose for the trial)."),
    fmt: str = FormatOpt,
    out: Optional[Path] = typer.Option(None, "--out", help="Bundle folder (default: bundles/<study>-trial<N>-retrained)."),
    force: bool = ForceOpt,
    device: str = typer.Option("auto", "--device", help="auto, cpu, cuda or cuda:N."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print only the result."),
) -> None:
    """Retrain an architecture from scratch on train + validation, report test, write a bundle."""
    from nas.device import resolve_device
    from nas.ship.export import select_formats
    from nas.format import fmt as show
    from nas.ship.retrain import retrain as run
    from nas.store import load_study, open_storage, require_record

    formats = select_formats(fmt)
    where = resolve_device(device)
    quiet_optuna()
    loaded = load_study(study, open_storage(storage, create=False))
    metric = require_record(loaded).metric

    def on_epoch(epoch: int, value: float) -> None:
        if not quiet:
            scored = f": train+val {metric} {value:.4f}" if math.isfinite(value) else ""  # scored after the last epoch only
            console.print(f"epoch {epoch + 1}{scored}", highlight=False)

    result = run(loaded, trial, epochs, formats, out, force, where, on_epoch)
    x = result.extra
    console.print(f"retrained trial {result.manifest['source']['trial']} for {x['epochs']} epochs on train+val "
                  f"in {x['seconds']:.1f}s: test {metric} {show(x['test'])} (search: {show(x['search_test'])})",
                  highlight=False)
    _print_bundle(result.path, result.manifest)

