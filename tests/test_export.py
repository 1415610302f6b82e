"""nas export / predict / retrain on a tiny digits study: bundle contents, parity, reproduction."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from tests._export_study import STUDY, TinyStudy, cli, shared_study, write_test_pngs


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> TinyStudy:
    return shared_study(tmp_path_factory)


@pytest.fixture(scope="module")
def bundle(study: TinyStudy) -> Path:
    """The best trial exported in every format."""
    out = study.root / "best"
    result = cli("export", *study.args(), "--format", "all", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert "reproduced from the bundle exactly" in result.stdout
    return out


def _manifest(path: Path) -> dict:
    return json.loads((path / "manifest.json").read_text())


def test_export_writes_a_self_describing_bundle(study: TinyStudy, bundle: Path) -> None:
    import optuna

    loaded = optuna.load_study(study_name=STUDY, storage=study.storage)
    trial = loaded.trials[study.best]
    m = _manifest(bundle)
    assert sorted(p.name for p in bundle.iterdir()) == [
        "arch.json", "manifest.json", "model.onnx", "model.safetensors", "model.torchscript.pt"]
    # a holdout study ships the pair (nas.search.refit): its refit and its search-time model, averaged
    assert json.loads((bundle / "arch.json").read_text()) == {"ensemble": [trial.user_attrs["arch"]] * 2}
    assert (m["task"], m["kind"], m["metric"], m["input_shape"]) == ("image", "classification", "accuracy", [1, 8, 8])
    assert m["class_names"] == [str(i) for i in range(10)]
    assert m["data"] == loaded.user_attrs["nas"]["data"]  # preprocessing fitted on the training split
    assert m["fingerprint"] == m["data"]["fingerprint"]
    assert m["source"]["trial"] == study.best and m["source"]["seed"] == trial.user_attrs["seed"]
    refit = loaded.user_attrs[f"refit:{study.best}"]  # the search refit its best trial: export ships that
    assert m["metrics"] == {"val": trial.value, "test": refit["refit_test"], "search_test": trial.user_attrs["test"]}
    assert m["source"]["refit"] == {"kind": "pair", "on": "train+val (refit) and train (search-time model)",
                                    "rows": sum(m["data"]["sizes"][:2]), "epochs": trial.user_attrs["chosen_epochs"],
                                    "members": 2, "device": "cpu"}
    assert m["checks"]["test_reproduced"]["exact"] is True
    assert {"nas", "torch", "optuna", "onnx", "onnxruntime"} <= set(m["versions"])
    assert set(m["files"]) == {"arch.json", "model.onnx", "model.safetensors", "model.torchscript.pt"}


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_torchscript_and_onnx_match_the_rebuilt_model_on_any_batch_size(bundle: Path) -> None:
    import onnxruntime as ort

    from nas.ship.bundle import load_bundle

    model = load_bundle(bundle).model
    scripted = torch.jit.load(str(bundle / "model.torchscript.pt"))
    session = ort.InferenceSession(str(bundle / "model.onnx"), providers=["CPUExecutionProvider"])
    for rows in (1, 5, 300):  # traced with 2 rows: the batch axis must be dynamic
        X = torch.randn(rows, 1, 8, 8, generator=torch.Generator().manual_seed(rows))
        with torch.no_grad():
            want = model(X).numpy()
            assert np.abs(scripted(X).numpy() - want).max() <= 1e-4
        assert np.abs(session.run(None, {"input": X.numpy()})[0] - want).max() <= 1e-4


def test_predict_on_test_pngs_gives_the_manifest_test_accuracy(study: TinyStudy, bundle: Path,
                                                                 workdir: Path) -> None:
    labels = write_test_pngs(workdir / "pngs")
    copy = workdir / "shipped"  # only the bundle: no store, no study next to it
    shutil.copytree(bundle, copy)
    result = cli("predict", copy, workdir / "pngs", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = result.json()
    assert [r["input"] for r in rows] == [f"{i:04d}.png" for i in range(len(labels))]
    accuracy = np.mean([r["class"] == str(y) for r, y in zip(rows, labels)])
    assert accuracy == pytest.approx(_manifest(bundle)["metrics"]["test"], abs=1e-6)
    assert all(0.1 <= r["probability"] <= 1.0 for r in rows)  # top-1 of 10 classes
    assert not (workdir / "studies").exists()


def test_predict_writes_csv_for_one_image_and_an_npz(bundle: Path, workdir: Path) -> None:
    write_test_pngs(workdir / "pngs")
    result = cli("predict", bundle, workdir / "pngs" / "0003.png", "--out", workdir / "one.csv")
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader((workdir / "one.csv").open()))
    assert len(rows) == 1 and rows[0]["input"] == "0003.png" and rows[0]["class"] in [str(i) for i in range(10)]
    np.savez(workdir / "x.npz", X=np.zeros((4, 1, 8, 8), dtype=np.float32))
    result = cli("predict", bundle, workdir / "x.npz")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "input,class,probability" and len(result.stdout.splitlines()) == 5


def test_predict_scores_itself_when_the_file_holds_the_answers(bundle: Path, workdir: Path) -> None:
    """An NPZ with y beside X (a labelled test set): the predictions on stdout as ever, and one
    line on stderr with the accuracy on those answers, the manifest's test figure for the test
    split; labels as floats (2.0) are the class '2'. Without y, no line. A folder of class
    folders (the training layout) is read and scored alike."""
    from PIL import Image

    labels = write_test_pngs(workdir / "pngs")
    X = np.stack([np.asarray(Image.open(workdir / "pngs" / f"{i:04d}.png"), dtype=np.float32)[None]
                  for i in range(len(labels))])
    np.savez(workdir / "test.npz", X=X, y=np.array(labels, dtype=np.float64))
    result = cli("predict", bundle, workdir / "test.npz")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0] == "input,class,probability" and len(result.stdout.splitlines()) == len(labels) + 1
    accuracy = _manifest(bundle)["metrics"]["test"]
    assert result.stderr.startswith(f"scored against the file's y ({len(labels)} rows): accuracy {accuracy:.4f}")
    np.savez(workdir / "bare.npz", X=X)
    assert cli("predict", bundle, workdir / "bare.npz").stderr == ""
    for i, label in enumerate(labels):  # the same images in one folder per class, as for training
        (workdir / "classes" / str(label)).mkdir(parents=True, exist_ok=True)
        shutil.copy(workdir / "pngs" / f"{i:04d}.png", workdir / "classes" / str(label) / f"{i:04d}.png")
    folders = cli("predict", bundle, workdir / "classes", "--format", "json")
    assert folders.exit_code == 0 and len(folders.json()) == len(labels) and folders.json()[0]["input"].startswith("0/")
    assert folders.stderr.startswith(f"scored against the class folders ({len(labels)} rows): accuracy {accuracy:.4f}")
    (workdir / "classes" / "0").rename(workdir / "classes" / "zero")  # not a class the model knows
    renamed = cli("predict", bundle, workdir / "classes")
    assert renamed.exit_code == 0 and len(renamed.stdout.splitlines()) == len(labels) + 1
    assert renamed.stderr.startswith("not scored against the class folders: 'zero' is not one of the model's classes")


def test_export_trial_n_state_dict_only_to_the_default_folder(study: TinyStudy, workdir: Path) -> None:
    other = next(n for n in range(3) if n != study.best)
    result = cli("export", *study.args(), "--trial", other, "--format", "state-dict")
    assert result.exit_code == 0, result.stderr
    out = workdir / "bundles" / f"{STUDY}-trial{other}"
    assert sorted(p.name for p in out.iterdir()) == ["arch.json", "manifest.json", "model.safetensors"]
    assert _manifest(out)["source"]["trial"] == other
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no staging folders left


def test_export_force_replaces_an_existing_bundle(study: TinyStudy, tmp_path: Path) -> None:
    out = tmp_path / "b"
    assert cli("export", *study.args(), "--format", "state-dict", "--out", out).exit_code == 0
    first = _manifest(out)["created"]
    result = cli("export", *study.args(), "--format", "state-dict", "--out", out, "--force")
    assert result.exit_code == 0, result.stderr
    assert _manifest(out)["created"] >= first and sorted(p.name for p in tmp_path.iterdir()) == ["b"]


def test_retrain_on_train_plus_val_reports_both_figures(study: TinyStudy, tmp_path: Path) -> None:
    out = tmp_path / "retrained"
    result = cli("retrain", "--study", STUDY, "--storage", study.storage, "--epochs", 2,
                 "--format", "state-dict", "--out", out, "--device", "cpu")
    assert result.exit_code == 0, result.stderr
    m = _manifest(out)
    assert m["source"]["trial"] == study.best
    assert m["source"]["retrained"]["rows"] == sum(m["data"]["sizes"][:2]) and m["source"]["retrained"]["epochs"] == 2
    assert m["metrics"]["search_test"] is not None and m["checks"]["test_reproduced"]["exact"] is True
    assert f"test accuracy {m['metrics']['test']:.4f} (search: {m['metrics']['search_test']:.4f})" in result.stdout
    assert result.stdout.count("epoch ") >= 2


def test_retrain_accepts_a_pruned_trial(study: TinyStudy, tmp_path: Path) -> None:
    result = cli("retrain", "--study", STUDY, "--storage", study.storage, "--trial", study.pruned, "--epochs", 1,
                 "--format", "state-dict", "--out", tmp_path / "r", "-q")
    assert result.exit_code == 0, result.stderr
    assert "(search: -)" in result.stdout and _manifest(tmp_path / "r")["source"]["seed"] == 7


def test_ensemble_averages_probabilities_and_reports_best_single(study: TinyStudy, tmp_path: Path) -> None:
    import optuna

    from nas.ship.bundle import load_bundle

    out = tmp_path / "ens"
    result = cli("export", *study.args(), "--ensemble", 2, "--format", "all", "--out", out)
    assert result.exit_code == 0, result.stderr
    m = _manifest(out)
    from nas.store import ranked_trials

    ranked = ranked_trials(optuna.load_study(study_name=STUDY, storage=study.storage))
    assert m["model"]["type"] == "ensemble" and m["source"]["trials"] == [t.number for t in ranked[:2]]
    assert m["metrics"]["best_single"]["test"] == ranked[0].user_attrs["test"]
    assert "vs best single" in result.stdout and m["checks"]["test_reproduced"]["exact"] is True
    ens = load_bundle(out).model
    members = [load_bundle(_single(study, t.number, tmp_path)).model for t in ranked[:2]]
    X = torch.randn(7, 1, 8, 8)
    with torch.no_grad():
        mean = torch.stack([torch.softmax(m(X), 1) for m in members]).mean(0)
        assert torch.allclose(torch.softmax(ens(X), 1), mean, atol=1e-6)


def _single(study: TinyStudy, number: int, tmp_path: Path) -> Path:
    out = tmp_path / f"t{number}"
    result = cli("export", *study.args(), "--trial", number, "--format", "state-dict", "--out", out, "--no-refit")
    assert result.exit_code == 0, result.stderr
    return out


def test_predict_needs_neither_optuna_nor_the_store(bundle: Path, tmp_path: Path) -> None:
    """A fresh interpreter: predicting imports no Optuna, SQLAlchemy or ONNX code at all."""
    import subprocess
    import sys

    np.savez(tmp_path / "x.npz", X=np.zeros((3, 1, 8, 8), dtype=np.float32))
    code = ("import sys; from nas.cli import app; app(['predict', sys.argv[1], sys.argv[2]], standalone_mode=False); "
            "print(sorted(m for m in ('optuna', 'sqlalchemy', 'onnx', 'onnxruntime') if m in sys.modules))")
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", code, str(bundle), str(tmp_path / "x.npz")], cwd=tmp_path,
                          capture_output=True, text=True, env={"PYTHONPATH": str(repo), "PATH": ""}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "[]" and len(proc.stdout.splitlines()) == 5
