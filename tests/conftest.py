"""Shared fixtures: an isolated working folder, an in-process CLI runner, tiny spaces."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

TINY_CNN = """\
family: cnn
blocks:
  depth: {low: 1, high: 2}
  channels: [4, 8]
  kernel: [3]
  pool: [max, none]
head:
  hidden: [0, 16]
train:
  lr: {low: 1.0e-3, high: 1.0e-2, log: true}
  batch_size: 128
  epochs: 1
"""


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None

    def json(self) -> object:
        return json.loads(self.stdout)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty folder, so the default store `studies/nas.db` lands in tmp_path."""
    monkeypatch.chdir(tmp_path)
    for var in ("NAS_STORAGE", "NAS_ARTIFACTS"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


@pytest.fixture
def run_cli():
    """Invoke `nas ARGS...` in-process; returns exit code, stdout and stderr separately."""
    from nas.cli import app

    def run(*args: str) -> CliResult:
        result = CliRunner().invoke(app, [str(a) for a in args])
        return CliResult(result.exit_code, result.stdout, result.stderr, result.exception)

    return run


@pytest.fixture
def tiny_space(tmp_path: Path) -> Path:
    """A CNN space small enough that a trial takes well under a second on digits."""
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_CNN)
    return path
