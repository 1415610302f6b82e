"""Export: a trial's checkpoint, or the top K fused into one model, -> a verified bundle.

The bundle layout is in `nas.ship.bundle`. Checks run before the bundle is renamed into place, and
any failure aborts the export with a one-line BundleError and leaves nothing behind:
- TorchScript and ONNX (onnxruntime) outputs equal the PyTorch model's within 1e-4 on a batch
  of validation data whose size differs from the traced example, so a batch size baked into
  the trace or a missing dynamic axis fails the export instead of the user's deployment;
- the bundle, reloaded from its own files exactly as `nas predict` loads it, reproduces the
  recorded test metric exactly (re-measured on the kind of device it was recorded on; when that
  is a GPU this machine lacks, within 1%, since CUDA evaluates under bf16 autocast).
"""
from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

import optuna

from nas import __version__
from nas.data import Split, TaskData
from nas.errors import BundleError, StoreError, UsageError, nearest
from nas.metrics import score
from nas.models import count_params, summarize
from nas.models.ensemble import Ensemble
from nas.ship.bundle import (BUNDLE_FORMAT, BUNDLE_VERSION, ONNX, TORCHSCRIPT, check_destination, load_bundle,
                            save_weights, staging, write_manifest)
from nas.ship.source import final_members, pick_trial, refit_model, study_data, trial_model
from nas.store import StudyRecord, attrs, find_trial, leaderboard

PARITY_TOLERANCE = 1e-4
CROSS_DEVICE_TOLERANCE = 0.01  # relative: a metric recorded under CUDA bf16, re-measured in float32
TRACE_ROWS = 2
CHECK_ROWS = 256
BUNDLES_DIR = "bundles"


# ---------------------------------------------------------------- exported artefacts


def _save_torchscript(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    """Tracing is exact for every family: forward has no data-dependent branches (the RNN's
    `if frontend` is fixed per model), and the parity check below runs a different batch size."""
    torch.jit.trace(model, example, check_trace=False).save(str(path))


def _run_torchscript(path: Path, X: torch.Tensor) -> np.ndarray:
    module = torch.jit.load(str(path), map_location="cpu")  # the file this export just wrote
    with torch.no_grad():
        return module(X).numpy()


def _save_onnx(model: nn.Module, example: torch.Tensor, path: Path) -> None:
    """The TorchScript-based exporter: the dynamo one needs onnxscript, which nas does not ship."""
    torch.onnx.export(model, (example,), str(path), dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})


def _run_onnx(path: Path, X: torch.Tensor) -> np.ndarray:
    import onnx  # lazy: onnx is an optional extra (nas[export])
    import onnxruntime as ort

    onnx.checker.check_model(str(path))
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": X.numpy()})[0]


@dataclass(frozen=True)
class Artefact:
    """One exported format: its file name, how to write it, how to run it for the parity check."""

    file: str
    save: Callable[[nn.Module, torch.Tensor, Path], None]
    run: Callable[[Path, torch.Tensor], np.ndarray]
    needs: tuple[str, ...] = ()


ARTEFACTS: dict[str, Artefact] = {
    "torchscript": Artefact(TORCHSCRIPT, _save_torchscript, _run_torchscript),
    "onnx": Artefact(ONNX, _save_onnx, _run_onnx, needs=("onnx", "onnxruntime")),
}
# --format value -> the artefacts written besides arch.json + model.safetensors (always there)
FORMATS: dict[str, tuple[str, ...]] = {
    "state-dict": (), "torchscript": ("torchscript",), "onnx": ("onnx",), "all": ("torchscript", "onnx"),
}


def select_formats(name: str) -> tuple[str, ...]:
    """The artefacts of a --format value; UsageError for unknown names or missing packages."""
    if name not in FORMATS:
        raise UsageError(f"--format: unknown format '{name}'{nearest(name, FORMATS)}")
    for artefact in FORMATS[name]:
        missing = [m for m in ARTEFACTS[artefact].needs if importlib.util.find_spec(m) is None]
        if missing:
            raise UsageError(f"--format {name}: needs {', '.join(missing)} (pip install 'nas[export]')")
    return FORMATS[name]


def _write_artefact(name: str, folder: Path, model: nn.Module, example: torch.Tensor,
                    X: torch.Tensor, expected: np.ndarray) -> float:
    """Write one artefact, run it on validation inputs, return its max |difference| to PyTorch."""
    artefact = ARTEFACTS[name]
    try:
        artefact.save(model, example, folder / artefact.file)
        got = artefact.run(folder / artefact.file, X)
    except Exception as exc:  # noqa: BLE001 - any exporter failure must abort the export in one line
        raise BundleError(f"export to {name} failed ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})") from None
    diff = float(np.max(np.abs(got - expected))) if got.shape == expected.shape else float("inf")
    if not diff <= PARITY_TOLERANCE:
        raise BundleError(f"export check failed: {name} output differs from PyTorch by {diff:.3g} "
                          f"(> {PARITY_TOLERANCE:g}) on {len(X)} validation inputs")
    return diff


# ---------------------------------------------------------------- what a bundle is made of


@dataclass
class Candidate:
    """A model to bundle (CPU) and what its manifest says. `metrics["test"]` must be reproduced."""

    model: nn.Module
    arch_json: dict[str, Any]
    type: str  # single | ensemble
    family: str
    summary: str
    metrics: dict[str, Any]
    source: dict[str, Any]
    recorded_device: str = "cpu"


@dataclass
class ExportResult:
    path: Path
    manifest: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------- writing and checking


def _versions(formats: tuple[str, ...]) -> dict[str, str]:
    versions = {"nas": __version__, "torch": torch.__version__, "optuna": optuna.__version__}
    if "onnx" in formats:  # lazy: onnx is an optional extra (nas[export])
        import onnx
        import onnxruntime

        versions.update(onnx=onnx.__version__, onnxruntime=onnxruntime.__version__)
    return versions


def _output(c: Candidate, kind: str) -> str:
    if kind == "regression":
        return "standardised value: multiply by data.preprocessing.target_std, add target_mean"
    return "log of the averaged class probabilities" if c.type == "ensemble" else "class logits (softmax gives probabilities)"


def _manifest(c: Candidate, record: StudyRecord, data: TaskData, formats: tuple[str, ...],
              checks: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": BUNDLE_FORMAT, "version": BUNDLE_VERSION,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "task": record.task, "kind": data.kind, "metric": data.metric, "direction": data.direction,
        "input_shape": list(data.input_shape), "class_names": list(data.class_names),
        "model": {"type": c.type, "family": c.family, "summary": c.summary, "params": count_params(c.model),
                  "output": _output(c, data.kind), "formats": ["state-dict", *formats]},
        "metrics": c.metrics, "source": c.source,
        "fingerprint": record.fingerprint, "data": record.data,
        "versions": _versions(formats), "checks": checks,
    }


def _measure_device(recorded: str) -> tuple[torch.device, float]:
    """Where to re-measure the test metric, and the relative tolerance that device allows."""
    kind = str(recorded or "cpu").split(":")[0]
    if kind == "cuda" and torch.cuda.is_available():
        return torch.device("cuda"), 0.0
    return torch.device("cpu"), 0.0 if kind == "cpu" else CROSS_DEVICE_TOLERANCE


def _reproduce(folder: Path, c: Candidate, data: TaskData) -> dict[str, Any]:
    """Reload the bundle as `nas predict` does and re-measure the test metric."""
    device, tolerance = _measure_device(c.recorded_device)
    bundle = load_bundle(folder, device)
    got = score(bundle.model, Split(data.test.X.to(device), data.test.y.to(device)), data)
    want = c.metrics.get("test")
    if want is None or abs(got - want) > tolerance * max(1.0, abs(want)):
        raise BundleError(f"export check failed: the bundle scores test {data.metric} {got:.6f}, "
                          f"but {want if want is None else f'{want:.6f}'} was recorded")
    return {"test": got, "device": str(device), "exact": got == want}


def write_bundle(c: Candidate, record: StudyRecord, data: TaskData, formats: tuple[str, ...],
                 out: Path, force: bool) -> dict[str, Any]:
    """Write, check, and only then rename the bundle into `out`; returns its manifest."""
    model = c.model.cpu().eval()
    X, example = data.val.X[:CHECK_ROWS].cpu(), data.val.X[:TRACE_ROWS].cpu()
    with torch.no_grad():
        expected = model(X).numpy()
    with staging(out, force) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer / exporter deprecation chatter; the checks decide
        save_weights(tmp, model, c.arch_json)
        checks: dict[str, Any] = {"parity_tolerance": PARITY_TOLERANCE, "parity_rows": len(X)}
        for name in formats:
            checks[f"{name}_max_abs_diff"] = _write_artefact(name, tmp, model, example, X, expected)
        manifest = _manifest(c, record, data, formats, checks)
        write_manifest(tmp, manifest)
        checks["test_reproduced"] = _reproduce(tmp, c, data)
        write_manifest(tmp, manifest)
    return manifest


# ---------------------------------------------------------------- entry points


def export_trial(study: Any, number: int | None, formats: tuple[str, ...], out: Path | None,
                 force: bool, store: Any, use_refit: bool = True) -> ExportResult:
    """Bundle trial `number` (default: the best by validation metric): the final model the search
    built for it (the ensemble of its fold models, or its refit on train + validation) when there
    is one and `use_refit` (the bundle then reproduces that model's test metric), else its
    search-time checkpoint."""
    if out is not None:
        check_destination(out, force)
    record, data = study_data(study)
    trial = pick_trial(study, number)
    stored = trial.user_attrs
    if stored.get(attrs.TEST) is None:
        raise StoreError(f"--trial: trial {trial.number} has no recorded test metric to check the bundle against")
    source = {"study": study.study_name, "trial": trial.number, "seed": stored.get(attrs.SEED),
              "epochs": len(stored.get(attrs.CURVE) or []), "best_epoch": stored.get(attrs.BEST_EPOCH),
              "chosen_epochs": stored.get(attrs.CHOSEN_EPOCHS), "folds": record.cv, "device": stored.get(attrs.DEVICE)}
    refit = refit_model(study, trial, store, data) if use_refit else None
    if refit is None:
        (model, arch), device = trial_model(trial, store, data), str(stored.get(attrs.DEVICE) or "cpu")
        c = Candidate(model, arch.to_dict(), "single", arch.family, summarize(arch), source=source,
                      metrics={"val": trial.values[0], "test": stored.get(attrs.TEST)}, recorded_device=device)
    else:
        c = _final_candidate(study, *refit, trial, source)
    out = out or Path(BUNDLES_DIR) / f"{study.study_name}-trial{trial.number}"
    return ExportResult(out, write_bundle(c, record, data, formats, out, force))


# a final model's kind -> what its networks trained on (the bundle's source.refit.on)
TRAINED_ON = {"refit": "train+val", "ensemble": "{k} folds of train+val", "pair": "train+val (refit) and train (search-time model)"}


def _final_candidate(study: Any, model: nn.Module, arch: Any, info: dict[str, Any], trial: Any,
                     source: dict[str, Any]) -> Candidate:
    """The bundle of a trial's final model (nas.search.refit): the ensemble of its K fold models,
    its refit on train + validation (alone, or paired with its search-time model), or a weighted
    blend of several trials' (nas.search.blend); the bundle must reproduce that model's test figure."""
    kind = info.get(attrs.REFIT_KIND, "refit")
    k = int(info.get(attrs.REFIT_MEMBERS) or 1)
    blend = info.get(attrs.REFIT_BLEND)
    source = {**source, "refit": {"kind": kind, "on": TRAINED_ON.get(kind, "train+val").format(k=k),
                                  "rows": info.get(attrs.REFIT_ROWS), "epochs": info.get(attrs.REFIT_EPOCHS),
                                  "members": k, "device": info.get(attrs.REFIT_DEVICE),
                                  **({"blend": blend} if blend else {})}}
    metrics = {"val": trial.values[0], "test": info[attrs.REFIT_TEST], "search_test": trial.user_attrs.get(attrs.TEST)}
    device = str(info.get(attrs.REFIT_DEVICE) or "cpu")
    if not blend and kind not in attrs.AVERAGED_KINDS:
        return Candidate(model, arch.to_dict(), "single", arch.family, summarize(arch), metrics=metrics,
                         source=source, recorded_device=device)
    members = final_members(study, trial, info)
    spec: dict[str, Any] = {"ensemble": [a.to_dict() for a, _ in members]}
    summary = (f"{k} fold models of " if kind == "ensemble" else "refit + search-time model of ") + summarize(arch)
    if blend:
        spec["weights"] = [w for _, w in members]
        summary = f"blend of trials {', '.join(str(b['trial']) for b in blend)} ({len(members)} networks)"
    return Candidate(model, spec, "ensemble", arch.family, summary, metrics=metrics, source=source,
                     recorded_device=device)


def export_ensemble(study: Any, k: int, formats: tuple[str, ...], out: Path | None,
                    force: bool, store: Any) -> ExportResult:
    """Bundle the top-K trials as one model that averages their probabilities (or values)."""
    if k < 2:
        raise UsageError(f"--ensemble: K must be at least 2, got {k}")
    if out is not None:
        check_destination(out, force)
    record, data = study_data(study)
    rows = leaderboard(study, top=k)
    if len(rows) < k:
        raise UsageError(f"--ensemble: study '{study.study_name}' has {len(rows)} completed trial(s), fewer than {k}")
    trials = [find_trial(study, r["trial"]) for r in rows]
    members = [trial_model(t, store, data) for t in trials]
    model = Ensemble([m for m, _ in members], data.kind).eval()
    val, test = score(model, data.val, data), score(model, data.test, data)
    best = rows[0]
    c = Candidate(model, {"ensemble": [a.to_dict() for _, a in members]}, "ensemble", members[0][1].family,
                  " + ".join(f"trial {r['trial']}" for r in rows),
                  metrics={"val": val, "test": test,
                           "best_single": {"trial": best["trial"], "val": best["value"], "test": best["test"]},
                           "members": [{"trial": r["trial"], "val": r["value"], "test": r["test"],
                                        "params": r["params"], "summary": r["summary"]} for r in rows]},
                  source={"study": study.study_name, "trials": [r["trial"] for r in rows],
                          "seeds": [t.user_attrs.get(attrs.SEED) for t in trials]})
    out = out or Path(BUNDLES_DIR) / f"{study.study_name}-top{k}"
    return ExportResult(out, write_bundle(c, record, data, formats, out, force))
