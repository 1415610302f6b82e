"""Faults in the middle of a write (issue 14): a full disk while a checkpoint is written, the
database locked by another process past the busy timeout, the checkpoint folder removed during a
search, SIGKILL during `nas export`, a bundle edited between export and predict.

In each the store stays consistent, the search resumes and the user sees one clear line. (Kills
during a search, SIGTERM/SIGINT and out-of-memory trials are in test_faults.py.)
"""
from __future__ import annotations

import errno
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest
from tests._export_study import TinyStudy, cli, one_line_error, shared_study
from tests.test_faults import load, nas_cmd, nas_env, wait_for_rows

SEARCH = ("--trials", 3, "--pruner", "none", "--sampler", "random", "-q")


def _consistent(workdir: Path, complete: int) -> list:
    """The study after a fault and a resume: `complete` finished trials, none left running, every
    completed trial's checkpoint whole, and nothing half-written in the checkpoint folder."""
    from optuna.trial import TrialState

    from nas.store.checkpoints import load_checkpoint

    study, store = load(workdir)
    trials = study.get_trials(deepcopy=False)
    assert sum(t.state == TrialState.COMPLETE for t in trials) == complete
    assert not [t for t in trials if t.state == TrialState.RUNNING]
    with closing(sqlite3.connect(workdir / "studies" / "nas.db")) as con:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert not [p.name for p in (workdir / "studies" / "artifacts").iterdir() if p.name.startswith(".")]
    for t in trials:
        if t.state == TrialState.COMPLETE and (workdir / "studies" / "artifacts" / t.user_attrs["checkpoint"]).exists():
            assert all(v.isfinite().all() for v in load_checkpoint(t, store).values())
    return trials


def test_disk_full_while_a_checkpoint_is_written(workdir: Path, tiny_space: Path, run_cli, monkeypatch) -> None:
    """The second checkpoint fills the disk half way: one line, no half file, the run resumes."""
    calls = {"n": 0}
    real = shutil.copyfileobj

    def fills_up(src, dst, *args):  # noqa: ANN001, ANN002
        calls["n"] += 1
        if calls["n"] != 2:
            return real(src, dst, *args)
        data = src.read()
        dst.write(data[: len(data) // 2])
        dst.flush()
        raise OSError(errno.ENOSPC, "No space left on device", dst.name)

    monkeypatch.setattr(shutil, "copyfileobj", fills_up)
    result = run_cli("search", "--space", tiny_space, *SEARCH)
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "No space left on device" in lines[0], result.stderr
    assert "studies/artifacts: cannot write a checkpoint" in lines[0]  # the folder, not a temporary name
    assert len(list((workdir / "studies" / "artifacts").iterdir())) == 1  # the first trial's, whole

    monkeypatch.setattr(shutil, "copyfileobj", real)  # space freed: the same command resumes
    resumed = run_cli("search", "--space", tiny_space, *SEARCH)
    assert resumed.exit_code == 0, resumed.stderr
    trials = _consistent(workdir, complete=3)
    failed = [t for t in trials if t.state.name == "FAIL"]
    assert len(failed) == 1 and any(t.user_attrs.get("retry_of") == failed[0].number for t in trials)


# Another process that takes the database's write lock and holds it until its stdin closes.
LOCKER = """import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
con.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
sys.stdin.read()
con.execute("ROLLBACK")
"""


def _locked_out(args: list[str], workdir: Path, env: dict[str, str], db: Path, during: bool) -> None:
    """Run the search while another process holds the write lock (from the start, or from the
    second trial on): it must stop with one line that says so."""
    def lock() -> subprocess.Popen:
        locker = subprocess.Popen([sys.executable, "-c", LOCKER, str(db)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert locker.stdout.readline().strip() == "locked"
        return locker

    locker = None if during else lock()
    proc = subprocess.Popen(args, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if locker is None:
        assert wait_for_rows(proc, db, 1)  # a trial finished and the next one started: lock mid-search
        locker = lock()
    out, err = proc.communicate(timeout=120)
    locker.communicate(timeout=60)  # closes its stdin: the lock is released
    assert proc.returncode == 2, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "database is locked" in lines[0], err
    assert "Traceback" not in out + err


def test_database_locked_past_the_busy_timeout(workdir: Path, tiny_space: Path) -> None:
    """Another process holds the write lock longer than the busy timeout (shortened to 1 s): the
    search stops with one line (a locked store at the start is left byte for byte as it was),
    the database is intact, and the same command resumes."""
    from tests.test_bad_inputs import digest

    db = workdir / "studies" / "nas.db"
    env = {**nas_env(), "NAS_SQLITE_BUSY_SECONDS": "1"}
    args = nas_cmd("search", "--space", tiny_space, "--trials", 3, "--pruner", "none", "--sampler", "random", "-q")
    _locked_out(args, workdir, env, db, during=True)
    with closing(sqlite3.connect(db)) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(workdir / "studies")
    _locked_out(args, workdir, env, db, during=False)
    assert digest(workdir / "studies") == before


    resumed = subprocess.run(args, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert "Traceback" not in resumed.stderr
    _consistent(workdir, complete=3)


def test_checkpoint_folder_removed_during_a_search(workdir: Path, tiny_space: Path, run_cli, monkeypatch) -> None:
    """The folder is made again: later trials keep their checkpoints; exporting an earlier trial,
    whose checkpoint went with the folder, is one line."""
    import nas.search.objective

    real, calls = nas.search.objective.save_checkpoint, {"n": 0}

    def removed_before_second(trial, state, store):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] == 2:
            shutil.rmtree(workdir / "studies" / "artifacts")
        return real(trial, state, store)

    monkeypatch.setattr(nas.search.objective, "save_checkpoint", removed_before_second)
    result = run_cli("search", "--space", tiny_space, *SEARCH)
    assert result.exit_code == 0, result.stderr
    trials = _consistent(workdir, complete=3)
    lost = [t for t in trials if not (workdir / "studies" / "artifacts" / t.user_attrs["checkpoint"]).exists()]
    assert [t.number for t in lost] == [0]
    one_line_error(cli("export", "--trial", 0, "--out", workdir / "b"), "trial 0", "missing from the artifact store")
    assert not (workdir / "b").exists()
    assert cli("export", "--trial", 1, "--format", "state-dict", "--out", workdir / "b").exit_code == 0


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> TinyStudy:
    return shared_study(tmp_path_factory)


def test_sigkill_during_export_leaves_no_half_bundle(study: TinyStudy, tmp_path: Path) -> None:
    """Killed at random moments while the bundle is written: the destination is absent or a whole
    bundle, and the next export cleans up what the killed one left and succeeds."""
    from nas.ship.bundle import load_bundle

    out, rng, mid_write = tmp_path / "bundle", random.Random(14), 0
    args = nas_cmd("export", *study.args(), "--format", "all", "--out", out, "--force")
    for _ in range(3):
        proc = subprocess.Popen(args, env=nas_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline and not _temporaries(out):
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 0.3))  # somewhere in writing weights, TorchScript, ONNX, checks
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        mid_write += bool(_temporaries(out))  # killed with its temporary folder still there
        assert not out.exists() or load_bundle(out).manifest["source"]["study"] == "digits-tiny"
    assert mid_write >= 1
    final = subprocess.run(args, env=nas_env(), capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert load_bundle(out).manifest and not _temporaries(out)


def _temporaries(out: Path) -> list[str]:
    return [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_bundle_edited_between_export_and_predict(study: TinyStudy, tmp_path: Path) -> None:
    """Any file of the bundle, the manifest included, changed after export: predict refuses in one
    line and writes nothing; the unchanged bundle still predicts."""
    import json

    import numpy as np

    bundle = tmp_path / "bundle"
    assert cli("export", *study.args(), "--format", "state-dict", "--out", bundle).exit_code == 0
    inputs, preds = tmp_path / "x.npz", tmp_path / "preds.csv"
    np.savez(inputs, X=np.zeros((2, 1, 8, 8), dtype=np.float32))
    arch = json.loads((bundle / "arch.json").read_text())
    first = arch["ensemble"][0] if "ensemble" in arch else arch  # a holdout study ships a pair
    first["head"]["dropout"] = 0.5
    edits = {
        "arch.json": lambda: (bundle / "arch.json").write_text(json.dumps(arch)),
        "manifest.json": lambda: (bundle / "manifest.json").write_text(
            (bundle / "manifest.json").read_text().replace('"kind": "classification"', '"kind": "regression"')),
        "model.safetensors": lambda: (bundle / "model.safetensors").write_bytes(
            (bundle / "model.safetensors").read_bytes()[:-4] + b"\0\0\0\0"),
    }
    for name, edit in edits.items():
        original = (bundle / name).read_bytes()
        edit()
        assert (bundle / name).read_bytes() != original
        one_line_error(cli("predict", bundle, inputs, "--out", preds), name)
        assert not preds.exists()
        (bundle / name).write_bytes(original)
    assert cli("predict", bundle, inputs, "--out", preds).exit_code == 0 and preds.exists()
