"""Bad input to export / predict / retrain: one-line error, exit 2, no partial bundle, no unpickling."""
from __future__ import annotations

import hashlib
import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from tests._export_study import STUDY, TinyStudy, cli, shared_study, one_line_error


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> TinyStudy:
    return shared_study(tmp_path_factory)


@pytest.fixture(scope="module")
def bundle(study: TinyStudy) -> Path:
    out = study.root / "bundle"
    assert cli("export", *study.args(), "--format", "all", "--out", out).exit_code == 0
    return out


@pytest.fixture
def copy(bundle: Path, tmp_path: Path) -> Path:
    """A private copy of the bundle to damage."""
    return Path(shutil.copytree(bundle, tmp_path / "copy"))


def _nothing_written(folder: Path) -> None:
    assert not folder.exists()
    assert not [p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}.")]


def test_missing_study_and_missing_store(study: TinyStudy, tmp_path: Path) -> None:
    out = tmp_path / "b"
    one_line_error(cli("export", "--study", "digits-tine", "--storage", study.storage, "--out", out),
                   "no study named 'digits-tine'", "did you mean 'digits-tiny'")
    one_line_error(cli("export", "--storage", f"sqlite:///{tmp_path / 'none.db'}", "--out", out), "no store here yet")
    _nothing_written(out)


@pytest.mark.parametrize("which, fragment", [("pruned", "was pruned, so it kept no checkpoint"),
                                             ("failed", "failed, so it kept no checkpoint"),
                                             ("stale", "has no checkpoint")])
def test_trial_without_checkpoint(study: TinyStudy, tmp_path: Path, which: str, fragment: str) -> None:
    out = tmp_path / "b"
    result = cli("export", *study.args(), "--trial", getattr(study, which), "--out", out)
    one_line_error(result, f"trial {getattr(study, which)}", fragment)
    _nothing_written(out)


def test_unknown_trial_format_and_flag_combinations(study: TinyStudy, tmp_path: Path) -> None:
    out = tmp_path / "b"
    one_line_error(cli("export", *study.args(), "--trial", 99, "--out", out), "has no trial 99")
    one_line_error(cli("export", *study.args(), "--format", "onx", "--out", out), "unknown format 'onx'", "'onnx'")
    one_line_error(cli("export", *study.args(), "--ensemble", 1, "--out", out), "--ensemble", "at least 2")
    one_line_error(cli("export", *study.args(), "--ensemble", 9, "--out", out), "fewer than 9")
    one_line_error(cli("export", *study.args(), "--ensemble", 2, "--trial", 0, "--out", out), "--ensemble", "--trial")
    one_line_error(cli("retrain", *study.args()[:4], "--epochs", 0, "--out", out), "--epochs")
    one_line_error(cli("retrain", *study.args()[:4], "--trial", study.failed, "--out", out), "failed, so it cannot be retrained")
    _nothing_written(out)


def test_existing_out_is_never_clobbered(study: TinyStudy, tmp_path: Path) -> None:
    keep = tmp_path / "mine"
    keep.mkdir()
    (keep / "notes.txt").write_text("precious")
    one_line_error(cli("export", *study.args(), "--format", "state-dict", "--out", keep), "already exists", "--force")
    one_line_error(cli("export", *study.args(), "--format", "state-dict", "--out", keep, "--force"), "not a bundle")
    assert (keep / "notes.txt").read_text() == "precious"


def test_failed_parity_check_leaves_no_partial_bundle(study: TinyStudy, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import nas.ship.export

    monkeypatch.setattr(nas.ship.export, "PARITY_TOLERANCE", -1.0)  # any difference, even 0, now fails
    out = tmp_path / "b"
    one_line_error(cli("export", *study.args(), "--format", "onnx", "--out", out), "export check failed: onnx")
    _nothing_written(out)


def test_bundle_that_does_not_reproduce_the_test_metric_is_refused(study: TinyStudy, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import nas.ship.export

    monkeypatch.setattr(nas.ship.export, "score", lambda model, split, data: 0.125)
    out = tmp_path / "b"
    one_line_error(cli("export", *study.args(), "--format", "state-dict", "--out", out),
                   "the bundle scores test accuracy 0.125000", "was recorded")
    _nothing_written(out)


def test_changed_data_is_detected(study: TinyStudy, tmp_path: Path) -> None:
    import optuna

    loaded = optuna.load_study(study_name=STUDY, storage=study.storage)
    info = loaded.user_attrs["nas"]
    loaded.set_user_attr("nas", {**info, "data": {**info["data"], "fingerprint": "0" * 16}})
    try:
        out = tmp_path / "b"
        one_line_error(cli("export", *study.args(), "--out", out), "data changed since the search")
        _nothing_written(out)
    finally:
        loaded.set_user_attr("nas", info)


def test_predict_rejects_wrong_shape_unreadable_image_and_format(bundle: Path, tmp_path: Path) -> None:
    np.savez(tmp_path / "rgb.npz", X=np.zeros((2, 3, 8, 8), dtype=np.float32))
    one_line_error(cli("predict", bundle, tmp_path / "rgb.npz"), "shape (3, 8, 8)", "expects (1, 8, 8)")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    one_line_error(cli("predict", bundle, tmp_path / "bad.png"), "bad.png", "unreadable image")
    one_line_error(cli("predict", bundle, tmp_path / "rgb.npz", "--format", "xml"), "--format", "xml")
    one_line_error(cli("predict", bundle, tmp_path / "nothing.npz"), "no such file")


def test_predict_rejects_what_is_not_a_bundle(tmp_path: Path) -> None:
    one_line_error(cli("predict", tmp_path / "nope", tmp_path), "no such bundle folder")
    one_line_error(cli("predict", tmp_path, tmp_path), "no manifest.json")


def _edit_manifest(bundle: Path, change, reseal: bool = True) -> None:  # noqa: ANN001
    """Change the manifest; `reseal` also fixes its own checksum, as a deliberate editor would."""
    from nas.ship.bundle import MANIFEST_DIGEST, manifest_digest

    manifest = json.loads((bundle / "manifest.json").read_text())
    change(manifest)
    if reseal:
        manifest[MANIFEST_DIGEST] = manifest_digest(manifest)
    (bundle / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("damage, fragment", [
    (lambda b: (b / "model.safetensors").write_bytes((b / "model.safetensors").read_bytes()[:-100]), "truncated"),
    (lambda b: (b / "model.onnx").write_bytes(b"x" + (b / "model.onnx").read_bytes()[1:]), "modified after export"),
    (lambda b: (b / "arch.json").unlink(), "missing from the bundle"),
    (lambda b: (b / "manifest.json").write_text((b / "manifest.json").read_text()[:200]), "truncated JSON"),
    (lambda b: _edit_manifest(b, lambda m: m["data"].update(input_shape=["a", 8, 8])), "not describe a buildable model"),
    (lambda b: _edit_manifest(b, lambda m: m.update(version=99)), "bundle version 99"),
    (lambda b: _edit_manifest(b, lambda m: m["data"]["preprocessing"].update(scale=2.0), reseal=False), "edited after export"),
    (lambda b: _edit_manifest(b, lambda m: m["data"].update(class_names=list("abcdefghij")), reseal=False), "edited after export"),
])
def test_tampered_or_truncated_bundle(copy: Path, tmp_path: Path, damage, fragment: str) -> None:
    np.savez(tmp_path / "x.npz", X=np.zeros((1, 1, 8, 8), dtype=np.float32))
    damage(copy)
    one_line_error(cli("predict", copy, tmp_path / "x.npz"), fragment)


class _Payload:
    """Unpickling this would create a file: proof that a bundle's weights are never unpickled."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self):  # noqa: ANN204
        return (Path.touch, (self.target,))


def test_pickle_disguised_as_weights_is_refused_not_run(copy: Path, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    (copy / "model.safetensors").write_bytes(pickle.dumps(_Payload(target)))
    manifest = json.loads((copy / "manifest.json").read_text())  # an attacker also fixes the checksums
    data = (copy / "model.safetensors").read_bytes()
    manifest["files"]["model.safetensors"] = {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    from nas.ship.bundle import MANIFEST_DIGEST, manifest_digest

    manifest[MANIFEST_DIGEST] = manifest_digest(manifest)
    (copy / "manifest.json").write_text(json.dumps(manifest))
    np.savez(tmp_path / "x.npz", X=np.zeros((1, 1, 8, 8), dtype=np.float32))
    one_line_error(cli("predict", copy, tmp_path / "x.npz"), "model.safetensors", "unreadable weights")
    assert not target.exists()
