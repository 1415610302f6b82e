"""Every command has help text; bad flags give one line on stderr and exit code 2."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from nas.cli import app

COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_every_command_has_help_text(run_cli) -> None:
    top = run_cli("--help")
    assert top.exit_code == 0
    for name in COMMANDS:
        assert name in top.stdout
        result = run_cli(name, "--help")
        assert result.exit_code == 0, name
        assert "Usage" in result.stdout
    for command in app.registered_commands:
        assert (command.callback.__doc__ or "").strip(), f"{command.callback.__name__} has no docstring"


@pytest.mark.parametrize("args, message", [
    (["search", "--trials", "x"], "Invalid value for '--trials'"),
    (["search", "--trails", "3"], "No such option: --trails"),
    (["search", "--trials", "0"], "--trials: must be at least 1, got 0"),
    (["search", "--epochs", "0"], "--epochs: must be at least 1, got 0"),
    (["search", "--threads", "0"], "--threads: must be at least 1, got 0"),
    (["search", "--timeout", "ten minutes"], "--timeout: cannot read 'ten minutes' as a duration"),
    (["search", "--task", "imgae"], "--task: unknown task 'imgae' (did you mean 'image'?)"),
    (["search", "--dataset", "digts"], "--dataset: unknown dataset 'digts' (did you mean 'digits'?)"),
    (["search", "--task", "image", "--dataset", "wine"], "--dataset: 'wine' is a tabular dataset, not image (use --task tabular)"),
    (["search", "--sampler", "tpee"], "--sampler: unknown sampler 'tpee' (did you mean 'tpe'?)"),
    (["search", "--sampler", "cmaes"], "--sampler cmaes: CMA-ES handles only numeric ranges"),
    (["search", "--pruner", "medain"], "--pruner: unknown pruner 'medain' (did you mean 'median'?)"),
    (["search", "--device", "cuda"], "--device: 'cuda' asked for, but no CUDA GPU is available"),
    (["search", "--device", "tpu"], "--device: unknown device 'tpu'"),
    (["search", "--space", "missing.yaml"], "missing.yaml: no such space file"),
    (["search", "--space", "sequence"], "--space: family conv1d needs sequences"),
    (["search", "--storage", "nosuchdb://x"], "cannot open storage"),
    (["leaderboard"], "no store here yet"),
    (["leaderboard", "--top", "0"], "--top: must be at least 1"),
    (["bogus"], "No such command 'bogus'"),
    (["validate", "nope"], "no shipped space named 'nope'"),
])
def test_bad_input_is_one_line_exit_2(workdir: Path, run_cli, args: list[str], message: str) -> None:
    if args[:3] == ["search", "--device", "cuda"]:
        import torch

        if torch.cuda.is_available():
            pytest.skip("a GPU is present")
    result = run_cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (workdir / "studies").exists() or args[0] != "search"  # nothing stored on bad input


def test_password_is_masked_in_storage_errors(workdir: Path, run_cli) -> None:
    result = run_cli("studies", "--storage", "postgresql+psycopg://nas:s3cret@127.0.0.1:1/nas")
    assert result.exit_code == 2
    assert "s3cret" not in result.stderr + result.stdout and "***" in result.stderr


def test_validate_shows_size_and_samples(run_cli, tiny_space: Path) -> None:
    result = run_cli("validate", tiny_space, "--samples", "2")
    assert result.exit_code == 0, result.stderr
    assert "valid cnn space" in result.stdout and "free parameters" in result.stdout
    assert "discrete combinations" in result.stdout and "parameters" in result.stdout


def test_validate_bad_file_is_one_line(tmp_path: Path, run_cli) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("family: cnn\nblocks: {activation: [rleu]}\n")
    result = run_cli("validate", bad)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {bad}: blocks.activation: unknown name 'rleu' (did you mean 'relu'?)"


def test_shim_and_module_entry_points_match(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[1]
    for argv in ([sys.executable, str(root / "cli.py"), "--help"], [sys.executable, "-m", "nas", "--help"]):
        out = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
        assert out.returncode == 0, out.stderr
        assert "leaderboard" in out.stdout


def test_parse_duration() -> None:
    from nas.commands._common import parse_duration

    assert parse_duration("90") == 90 and parse_duration("90s") == 90
    assert parse_duration("30m") == 1800 and parse_duration("1h30m") == 5400
