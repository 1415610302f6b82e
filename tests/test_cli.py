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
    (["search", "--task", "tabular", "--dataset", "digits"], "--dataset: 'digits' is an image dataset, not tabular (use --task image)"),
    (["search", "--sampler", "tpee"], "--sampler: unknown sampler 'tpee' (did you mean 'tpe'?)"),
    (["search", "--sampler", "cmaes"], "--sampler cmaes: CMA-ES handles only numeric ranges"),
    (["search", "--pruner", "medain"], "--pruner: unknown pruner 'medain' (did you mean 'median'?)"),
    (["search", "--device", "cuda"], "--device: 'cuda' asked for, but no CUDA GPU is available"),
    (["search", "--device", "tpu"], "--device: unknown device 'tpu'"),
    (["search", "--space", "missing.yaml"], "missing.yaml: no such space file"),
    (["search", "--space", "sequence"], "--space: family rocket needs sequences"),
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


@pytest.mark.parametrize("args", [["--help"], ["search", "--help"], ["leaderboard"], ["bogus"]])
def test_shim_and_module_entry_points_match(tmp_path: Path, args: list[str]) -> None:
    """`python cli.py ...` and `python -m nas ...` give the same output, stream for stream, and the
    same exit code (help, a command's help, a store error, an unknown command); only the program
    name in the usage line differs (and the padding after it)."""
    root = Path(__file__).resolve().parents[1]
    entry_points = {"cli.py": [sys.executable, str(root / "cli.py")], "python -m nas": [sys.executable, "-m", "nas"]}
    outputs = []
    for prog, argv in entry_points.items():
        out = subprocess.run(argv + args, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                             env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})
        assert "Traceback" not in out.stderr, out.stderr
        same = lambda text: [line.rstrip() for line in text.replace(prog, "PROG").splitlines()]  # noqa: E731
        outputs.append((out.returncode, same(out.stdout), same(out.stderr)))
    assert outputs[0] == outputs[1]
    code, stdout, stderr = outputs[0]
    assert code == (0 if args[-1] == "--help" else 2)
    assert any(line.strip().startswith("Usage: PROG") for line in stdout) == (args[-1] == "--help")
    assert (len(stderr) == 1 and stderr[0].startswith("error: ")) == (code == 2)
    assert args != ["--help"] or any("leaderboard" in line for line in stdout)


def test_parse_duration() -> None:
    from nas.commands._common import parse_duration

    assert parse_duration("90") == 90 and parse_duration("90s") == 90
    assert parse_duration("30m") == 1800 and parse_duration("1h30m") == 5400


def test_piped_tables_keep_study_names_and_architectures_whole(workdir, run_cli, tiny_space) -> None:  # noqa: ANN001
    """Piped output (not a terminal) is plain and whole: nothing cut with an ellipsis."""
    name = "a-study-name-long-enough-that-an-80-column-table-would-have-cut-it-short-before"
    result = run_cli("search", "--space", tiny_space, "--trials", 2, "--study", name, "--threads", 1, "-q")
    assert result.exit_code == 0, result.stderr
    studies = run_cli("studies")
    assert studies.exit_code == 0 and name in studies.stdout and "…" not in studies.stdout
    board = run_cli("leaderboard", "--study", name)
    summaries = [r["summary"] for r in run_cli("leaderboard", "--study", name, "--json").json()]
    assert board.exit_code == 0 and all(s in board.stdout for s in summaries) and "…" not in board.stdout
    assert not any(ch in board.stdout for ch in "┃│━"), "piped tables have no box lines"


def test_read_commands_do_not_import_torch(workdir, run_cli, tiny_space) -> None:  # noqa: ANN001
    """`nas leaderboard` and `nas studies` read the store without torch (they start fast)."""
    import subprocess
    import sys

    assert run_cli("search", "--space", tiny_space, "--trials", 1, "--threads", 1, "-q").exit_code == 0
    code = ("import sys; from nas.cli import app\n"
            "for args in (['leaderboard', '--json'], ['studies', '--json'], ['leaderboard']):\n"
            "    app(args, standalone_mode=False)\n"
            "print('torch' in sys.modules)")
    repo = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", code], cwd=workdir, capture_output=True, text=True,
                          env={"PYTHONPATH": str(repo), "PATH": ""}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "False"


def test_timeout_reads_durations_and_none_and_defaults_to_nine_minutes() -> None:
    """`--timeout` takes 90s / 30m / 1h30m or none (no limit); without it a search has a 9-minute
    budget, the same in the library's SearchConfig as on the command line."""
    import inspect

    from nas.commands._common import parse_duration
    from nas.commands.search import search
    from nas.search import SearchConfig

    assert [parse_duration(t) for t in ("90s", "30m", "1h30m", "none", "OFF")] == [90.0, 1800.0, 5400.0, None, None]
    default = inspect.signature(search).parameters["timeout"].default.default
    assert parse_duration(default) == SearchConfig().timeout == 540.0
