"""Table-driven bad inputs: each is one `error:` line, exit code 2, no traceback, and the existing
store (database and checkpoints) is byte-for-byte the same afterwards. Passwords never show.
"""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from contextlib import closing
import subprocess
from pathlib import Path

import pytest

PASSWORD = "hunter2-secret"
GOOD_SPACE = "tiny.yaml"

SPACES = {
    "notyaml.yaml": "family: cnn\nblocks: [unclosed\n",
    "empty.yaml": "",
    "family.yaml": "family: transformer\n",
    "unknownkey.yaml": "family: cnn\nblocks:\n  depth: 1\n  colour: [red]\n",
    "badrange.yaml": "family: cnn\nblocks:\n  depth: {low: 3, high: 1}\n",
    "list.yaml": "- just\n- a list\n",
    "rnn.yaml": "family: rnn\n",
}

# (id, CLI arguments, a fragment the one-line error must contain)
CASES = [
    ("trials-zero", ["search", "--trials", "0"], "--trials"),
    ("trials-negative", ["search", "--trials", "-3"], "--trials"),
    ("trials-not-int", ["search", "--trials", "many"], "--trials"),
    ("epochs-zero", ["search", "--epochs", "0"], "--epochs"),
    ("timeout-text", ["search", "--timeout", "soon"], "--timeout"),
    ("timeout-zero", ["search", "--timeout", "0s"], "--timeout"),
    ("workers-zero", ["search", "--workers", "0"], "--workers"),
    ("unknown-flag", ["search", "--trails", "3"], "--trails"),
    ("dataset-unknown", ["search", "--dataset", "mnistt"], "--dataset"),
    ("dataset-wrong-task", ["search", "--task", "image", "--dataset", "breast_cancer"], "--dataset"),
    ("device-unknown", ["search", "--device", "tpu"], "--device"),
    ("device-no-gpu", ["search", "--device", "cuda:7"], "--device"),
    ("sampler-unknown", ["search", "--sampler", "bayes"], "--sampler"),
    ("pruner-unknown", ["search", "--pruner", "early"], "--pruner"),
    ("cmaes-categorical", ["search", "--sampler", "cmaes"], "cmaes"),
    ("top-zero", ["leaderboard", "--top", "0"], "--top"),
    ("space-missing", ["search", "--space", "nowhere.yaml"], "nowhere.yaml"),
    ("space-directory", ["search", "--space", "studies"], "studies"),
    ("space-not-yaml", ["search", "--space", "notyaml.yaml"], "notyaml.yaml"),
    ("space-empty", ["search", "--space", "empty.yaml"], "empty.yaml"),
    ("space-family", ["search", "--space", "family.yaml"], "family.yaml"),
    ("space-unknown-key", ["search", "--space", "unknownkey.yaml"], "colour"),
    ("space-bad-range", ["search", "--space", "badrange.yaml"], "badrange.yaml"),
    ("space-list", ["search", "--space", "list.yaml"], "list.yaml"),
    ("space-no-sections", ["search", "--space", "rnn.yaml"], "rnn.yaml"),
    ("space-narrowed", ["search", "--space", "narrowed.yaml", "--trials", "3"], "blocks.channels: [4, 8] -> [4]"),
    ("space-choice-added", ["search", "--space", "added.yaml", "--trials", "3"], "cannot add choices"),
    ("seed-changed", ["search", "--space", GOOD_SPACE, "--seed", "1", "--trials", "3"], "--seed"),
    ("storage-garbage", ["leaderboard", "--storage", "not a url"], "storage"),
    ("storage-no-driver", ["leaderboard", "--storage", f"mysql+nodriver://u:{PASSWORD}@h/db"], "storage"),
    ("storage-refused", ["leaderboard", "--storage", f"postgresql+psycopg://u:{PASSWORD}@127.0.0.1:9/db"], "***"),
    ("storage-missing-file", ["leaderboard", "--storage", "sqlite:///nothing/here.db"], "here.db"),
    ("storage-corrupt", ["leaderboard", "--storage", "sqlite:///corrupt.db"], "corrupt.db"),
    ("storage-not-nas", ["leaderboard", "--storage", "sqlite:///other.db"], "other.db"),
    ("study-unknown", ["leaderboard", "--study", "image-digitz"], "image-digits"),
    ("rerun-unknown-trial", ["rerun", "--trial", "99"], "99"),
    ("rerun-negative-trial", ["rerun", "--trial", "-1"], "-1"),
    ("rerun-unknown-study", ["rerun", "--trial", "0", "--study", "nope"], "nope"),
    ("search-corrupt-store", ["search", "--storage", "sqlite:///corrupt.db"], "corrupt.db"),
]


def digest(folder: Path) -> dict[str, str]:
    """Hashes of every file of the store (the database, its WAL if any, every checkpoint)."""
    # Not data: the lock file, SQLite's shared-memory index and an empty write-ahead log.
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.endswith((".lock", "-shm"))
            and not (p.name.endswith("-wal") and p.stat().st_size == 0)}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a real one-trial study, bad space files, a corrupt and a foreign SQLite file."""
    from typer.testing import CliRunner

    from nas.cli import app
    from tests.conftest import TINY_CNN

    root = tmp_path_factory.mktemp("bad-inputs")
    (root / GOOD_SPACE).write_text(TINY_CNN)
    (root / "narrowed.yaml").write_text(TINY_CNN.replace("channels: [4, 8]", "channels: [4]"))
    (root / "added.yaml").write_text(TINY_CNN.replace("channels: [4, 8]", "channels: [4, 8, 16]"))
    for name, text in SPACES.items():
        (root / name).write_text(text)
    (root / "corrupt.db").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)
    with closing(sqlite3.connect(root / "other.db")) as con:  # closing: `with` alone leaves it open
        con.execute("CREATE TABLE invoices (id INTEGER)")
        con.commit()
    mp = pytest.MonkeyPatch()
    mp.chdir(root)
    mp.delenv("NAS_STORAGE", raising=False)
    mp.delenv("NAS_ARTIFACTS", raising=False)
    result = CliRunner().invoke(app, ["search", "--space", GOOD_SPACE, "--trials", "1", "--pruner", "none", "-q"])
    mp.undo()
    assert result.exit_code == 0, result.stderr
    import gc

    gc.collect()  # close the search's connections, then fold the write-ahead log into the file
    with closing(sqlite3.connect(root / "studies" / "nas.db")) as con:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return root


def check_refused(result, fragment: str) -> None:  # noqa: ANN001
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert PASSWORD not in result.stdout + result.stderr


@pytest.mark.parametrize("case, args, fragment", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_one_line_and_leaves_the_store_intact(store: Path, run_cli, monkeypatch, case: str,
                                                           args: list[str], fragment: str) -> None:
    monkeypatch.chdir(store)
    for var in ("NAS_STORAGE", "NAS_ARTIFACTS", "NAS_WORKER_INDEX"):
        monkeypatch.delenv(var, raising=False)
    before, files = digest(store / "studies"), digest(store)
    check_refused(run_cli(*args), fragment)
    assert digest(store / "studies") == before
    assert digest(store) == files  # not even the corrupt or foreign files were touched


def test_password_is_never_stored(store: Path) -> None:
    assert PASSWORD.encode() not in b"".join(p.read_bytes() for p in store.rglob("*") if p.is_file())


@pytest.fixture
def mounted(store: Path, tmp_path: Path):  # noqa: ANN201
    """A tmpfs holding a copy of the store (root only: elsewhere the tests skip, saying why)."""
    target = tmp_path / "mnt"
    target.mkdir()

    def mount(options: str) -> Path:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True).returncode:
            pytest.skip("cannot mount a tmpfs here (needs root): read-only and full-disk cases not run")
        shutil.copytree(store / "studies", target / "studies")
        shutil.copy(store / GOOD_SPACE, target / GOOD_SPACE)
        return target

    yield mount
    import gc

    gc.collect()  # drop the in-process storages that hold files open on the tmpfs
    subprocess.run(["umount", "-l", str(target)], capture_output=True)


def test_read_only_studies_folder(mounted, run_cli, monkeypatch) -> None:  # noqa: ANN001
    root = mounted("size=16m")
    before = digest(root / "studies")
    subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
    monkeypatch.chdir(root)
    monkeypatch.delenv("NAS_STORAGE", raising=False)
    check_refused(run_cli("search", "--space", GOOD_SPACE, "--trials", "3", "--pruner", "none", "-q"), "studies")
    assert digest(root / "studies") == before


def test_full_disk(mounted, run_cli, monkeypatch) -> None:  # noqa: ANN001
    root = mounted("size=16m")
    before = digest(root / "studies")
    try:
        with open(root / "filler", "wb") as f:  # leave no space at all
            while True:
                f.write(b"\0" * 4096)
                f.flush()
    except OSError:
        pass
    monkeypatch.chdir(root)
    monkeypatch.delenv("NAS_STORAGE", raising=False)
    check_refused(run_cli("search", "--space", GOOD_SPACE, "--trials", "3", "--pruner", "none", "-q"), "disk")
    assert digest(root / "studies") == before
