"""Export bundles: one folder with everything needed to use a trained model, and no need for the
study, the store or the search code's state.

    BUNDLE/
      manifest.json         task, input shape, class names, preprocessing (the study's data
                            description), metrics, provenance, versions, export-time checks,
                            and the size and SHA-256 of every other file
      arch.json             the architecture spec (an ensemble: {"ensemble": [spec, ...]})
      model.safetensors     the weights, always written: `nas predict` rebuilds the network from
                            arch.json and these, so loading a bundle unpickles nothing and runs
                            no code that came with it
      model.torchscript.pt  TorchScript (--format torchscript or all), for deployment
      model.onnx            ONNX with a dynamic batch axis (--format onnx or all), for deployment

A bundle is written into a temporary folder beside its destination and renamed into place only
after every check passed, so a failed export leaves nothing behind; what a killed export left
(its temporary folder) is removed by the next export to the same place (`nas.partial`). Loading checks every file
against the manifest first, and the manifest against its own SHA-256 (`manifest_sha256`, issue
14: an edited class list or preprocessing would otherwise change predictions silently): a
tampered or truncated bundle is a one-line BundleError.
"""
from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from nas.arch import Arch
from nas.errors import BundleError, NasError, UsageError
from nas.models import build_model
from nas.models.ensemble import COMBINE, Ensemble
from nas.partial import remove_orphans, temporary_name

BUNDLE_FORMAT = "nas-bundle"
BUNDLE_VERSION = 1
MANIFEST = "manifest.json"
ARCH = "arch.json"
WEIGHTS = "model.safetensors"
TORCHSCRIPT = "model.torchscript.pt"
ONNX = "model.onnx"
KNOWN_FILES = (ARCH, WEIGHTS, TORCHSCRIPT, ONNX)
REQUIRED_DATA_KEYS = ("task", "kind", "input_shape", "out_dim", "preprocessing")
MANIFEST_DIGEST = "manifest_sha256"  # of the manifest's own content without this key


@dataclass(frozen=True)
class Bundle:
    """A loaded, verified bundle: its manifest and the rebuilt model (eval mode, on `device`)."""

    path: Path
    manifest: dict[str, Any]
    model: Any

    @property
    def data(self) -> dict[str, Any]:
        """The data description that `nas.data.inputs.read_inputs` replays on new inputs."""
        return self.manifest["data"]


# ---------------------------------------------------------------- writing


def check_destination(out: Path, force: bool) -> None:
    """Refuse, before any work, a destination that exists (unless --force and it is a bundle)."""
    if not out.exists():
        return
    if not force:
        raise UsageError(f"--out: {out} already exists (pass --force to replace it)")
    if not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).is_file()):
        raise UsageError(f"--out: {out} exists and is not a bundle folder; refusing to replace it")


@contextmanager
def staging(out: Path, force: bool) -> Iterator[Path]:
    """A temporary folder beside `out` that replaces `out` only if the block finishes."""
    check_destination(out, force)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        remove_orphans(out.parent, out.name)  # issue 14: left by an export that was killed
        tmp = _sibling(out, "partial")
        tmp.mkdir()
    except OSError as exc:
        raise UsageError(f"--out: cannot write into {out.parent} ({exc.strerror or exc})") from None
    try:
        yield tmp
        _swap_into_place(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _swap_into_place(tmp: Path, out: Path) -> None:
    """Rename the finished folder to `out`; an old bundle there is moved aside, then removed."""
    old = _sibling(out, "old") if out.exists() else None
    if old is not None:
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _sibling(out: Path, what: str) -> Path:
    """A hidden, unique name next to `out` (same file system, so renames are atomic)."""
    return out.parent / temporary_name(out.name, what)


def write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def save_weights(folder: Path, model: Any, arch_json: dict[str, Any]) -> None:
    """arch.json and model.safetensors: the bundle's canonical, code-free form of the model."""
    state = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    save_file(state, str(folder / WEIGHTS), metadata={"format": BUNDLE_FORMAT})
    write_json(folder / ARCH, arch_json)


def digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    """Write manifest.json with the size and SHA-256 of every model file next to it."""
    manifest["files"] = {p.name: {"bytes": p.stat().st_size, "sha256": digest(p)}
                         for p in sorted(folder.iterdir()) if p.name in KNOWN_FILES}
    manifest[MANIFEST_DIGEST] = manifest_digest(manifest)
    write_json(folder / MANIFEST, manifest)


def manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest as canonical JSON (sorted keys), leaving out the digest itself."""
    plain = json.loads(json.dumps({k: v for k, v in manifest.items() if k != MANIFEST_DIGEST}))
    return hashlib.sha256(json.dumps(plain, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# ---------------------------------------------------------------- reading


def _require(manifest: dict[str, Any], path: Path) -> None:
    if manifest.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{path}: not a nas bundle manifest (no \"format\": \"{BUNDLE_FORMAT}\")")
    if manifest.get("version") != BUNDLE_VERSION:
        raise BundleError(f"{path}: bundle version {manifest.get('version')!r} (this nas reads {BUNDLE_VERSION})")
    data, files = manifest.get("data"), manifest.get("files")
    if not isinstance(data, dict) or not isinstance(files, dict) or not isinstance(manifest.get("model"), dict):
        raise BundleError(f"{path}: manifest lacks its 'data', 'model' or 'files' section")
    missing = [k for k in REQUIRED_DATA_KEYS if k not in data]
    if missing:
        raise BundleError(f"{path}: manifest 'data' lacks {', '.join(missing)}")
    if WEIGHTS not in files or ARCH not in files:
        raise BundleError(f"{path}: manifest lists no {WEIGHTS} / {ARCH}")


def read_manifest(bundle: Path) -> dict[str, Any]:
    """The manifest of a bundle folder, checked for the keys `predict` relies on."""
    if not bundle.exists():
        raise BundleError(f"{bundle}: no such bundle folder")
    if not bundle.is_dir():
        raise BundleError(f"{bundle}: a bundle is a folder written by `nas export`, not a file")
    path = bundle / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{bundle}: no {MANIFEST} (not a bundle written by `nas export`)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"{path}: unreadable or truncated JSON ({str(exc).splitlines()[0]})") from None
    if not isinstance(manifest, dict):
        raise BundleError(f"{path}: expected a JSON object")
    _require(manifest, path)
    recorded = manifest.get(MANIFEST_DIGEST)  # absent in bundles of nas before issue 14: not checked
    if recorded is not None and recorded != manifest_digest(manifest):
        raise BundleError(f"{path}: edited after export (its content no longer matches its {MANIFEST_DIGEST}); "
                          f"export the bundle again")
    return manifest


def verify_files(bundle: Path, manifest: dict[str, Any]) -> None:
    """Every listed file exists with the recorded size and SHA-256 (catches tampering, truncation)."""
    for name, entry in manifest["files"].items():
        if name not in KNOWN_FILES or not isinstance(entry, dict):
            raise BundleError(f"{bundle / MANIFEST}: unexpected file entry {name!r}")
        path = bundle / name
        if not path.is_file():
            raise BundleError(f"{path}: missing from the bundle")
        size = path.stat().st_size
        if size != entry.get("bytes"):
            raise BundleError(f"{path}: {size} bytes, the manifest says {entry.get('bytes')} (truncated or replaced)")
        if digest(path) != entry.get("sha256"):
            raise BundleError(f"{path}: SHA-256 differs from the manifest (the file was modified after export)")


def _single(raw: Any, info: dict[str, Any]) -> Any:
    return build_model(Arch.from_dict(raw), tuple(info["input_shape"]), int(info["out_dim"]), info["preprocessing"])


def _ensemble(raw: Any, info: dict[str, Any]) -> Any:
    members = raw.get("ensemble") if isinstance(raw, dict) else None
    if not isinstance(members, list) or not members:
        raise NasError("an ensemble needs a non-empty 'ensemble' list of architectures")
    if info["kind"] not in COMBINE:
        raise NasError(f"unknown task kind {info['kind']!r}")
    nets = [_single(m, info) for m in members]
    try:
        return Ensemble(nets, info["kind"], raw.get("weights"))  # a blend's weights (nas.search.blend); absent: equal
    except (TypeError, ValueError):  # Ensemble checks them: one positive number per member
        raise NasError(f"'weights' must list one positive number per member ({len(members)})") from None


# manifest["model"]["type"] -> builder(arch.json content, data description)
MODEL_TYPES: dict[str, Callable[[Any, dict[str, Any]], Any]] = {"single": _single, "ensemble": _ensemble}


def _rebuild(bundle: Path, manifest: dict[str, Any]) -> Any:
    kind = manifest["model"].get("type")
    if kind not in MODEL_TYPES:
        raise BundleError(f"{bundle / MANIFEST}: unknown model type {kind!r}")
    try:
        raw = json.loads((bundle / ARCH).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BundleError(f"{bundle / ARCH}: unreadable ({str(exc).splitlines()[0]})") from None
    try:
        return MODEL_TYPES[kind](raw, manifest["data"])
    except NasError as exc:
        raise BundleError(f"{bundle / ARCH}: {exc}") from None
    except (TypeError, KeyError, ValueError, RuntimeError) as exc:  # e.g. an edited manifest's input_shape
        raise BundleError(f"{bundle}: arch.json and the manifest do not describe a buildable model "
                          f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})") from None


def load_bundle(bundle: str | Path, device: Any = "cpu") -> Bundle:
    """Verify a bundle and rebuild its model from arch.json + safetensors (nothing unpickled)."""
    bundle = Path(bundle)
    manifest = read_manifest(bundle)
    verify_files(bundle, manifest)
    model = _rebuild(bundle, manifest)
    try:
        state = load_file(str(bundle / WEIGHTS))
    except (SafetensorError, OSError) as exc:
        raise BundleError(f"{bundle / WEIGHTS}: unreadable weights ({exc})") from None
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as exc:
        raise BundleError(f"{bundle / WEIGHTS}: weights do not fit arch.json ({str(exc).splitlines()[0]})") from None
    return Bundle(bundle, manifest, model.to(device).eval())
