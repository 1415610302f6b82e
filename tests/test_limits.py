"""One rule per kind of input value (issue 14): every numeric flag of every command takes its range
from `nas.limits`, the CLI and the library refuse the same values with the same one line, and
every kind of malformed space value is one line naming the file and the key."""
from __future__ import annotations

import inspect
import typing
from pathlib import Path

import pytest

from nas.cli import app
from nas.errors import SpaceError, UsageError
from nas.limits import LIMITS, check, check_values


def _numeric_options() -> list[tuple[str, str]]:
    """(command, flag) of every int or float option, read from the command functions."""
    found = []
    for command in app.registered_commands:
        hints = typing.get_type_hints(command.callback)
        for name, param in inspect.signature(command.callback).parameters.items():
            kinds = set(typing.get_args(hints[name])) | {hints[name]}
            if kinds & {int, float} and getattr(param.default, "param_decls", None):
                found.append((command.callback.__name__, param.default.param_decls[0]))
    return found


NUMERIC = _numeric_options()


def test_every_numeric_flag_declares_its_range_once() -> None:
    assert len(NUMERIC) >= 15
    missing = [f"{cmd} {flag}" for cmd, flag in NUMERIC if flag not in LIMITS]
    assert not missing, f"numeric flags without a range in nas.limits: {missing}"
    unused = set(LIMITS) - {flag for _, flag in NUMERIC} - {"--timeout"}  # --timeout: a duration, checked once parsed
    assert not unused, unused


def _out_of_range(flag: str) -> list[str]:
    limit = LIMITS[flag]
    below = limit.low if limit.above else limit.low - 1
    values = [below, limit.high + 1] if limit.high != float("inf") else [below]
    return [str(int(v)) if limit.integer else str(v) for v in values] + ([] if limit.integer else ["nan", "inf"])


@pytest.mark.parametrize("command, flag", NUMERIC, ids=[f"{c}{f}" for c, f in NUMERIC])
def test_out_of_range_is_one_line_naming_the_flag(workdir: Path, run_cli, command: str, flag: str) -> None:
    for value in _out_of_range(flag):
        args = [command, flag, value] + (["image"] if command == "validate" else [])
        result = run_cli(*args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"error: {flag}: "), (args, result.stderr)
        assert LIMITS[flag].meaning in lines[0] or "finite" in lines[0], lines[0]
    assert not (workdir / "studies").exists()  # refused while parsing: nothing opened, nothing stored


def test_help_shows_the_range(run_cli) -> None:
    text = " ".join(run_cli("search", "--help").stdout.split())
    assert "(1..256)" in text and "(1..100000)" in text


def test_library_refuses_the_same_values_with_the_same_line() -> None:
    from nas.data import DataSpec, load_data

    with pytest.raises(UsageError) as cli_side:
        check("--window", 0)
    with pytest.raises(UsageError) as library_side:
        load_data(DataSpec(task="sequence", window=0))
    assert str(cli_side.value) == str(library_side.value) == "--window: must be at least 1, got 0 (steps per input window)"
    with pytest.raises(UsageError, match="--seed: must be at least 0"):
        load_data(DataSpec(seed=-1))
    with pytest.raises(UsageError, match="--image-size: expected an integer, got True"):
        check_values({"--image-size": True, "--trials": None})
    with pytest.raises(UsageError, match="about 2\\*\\*"):
        check("--trials", 10**400)  # no OverflowError, no 400-digit line


def _with(config, path: str, value):  # noqa: ANN001, ANN202
    """A copy of a (nested) frozen dataclass with the field at dotted `path` replaced."""
    from dataclasses import replace

    head, _, rest = path.partition(".")
    return replace(config, **{head: _with(getattr(config, head), rest, value) if rest else value})


def test_search_config_is_checked_by_the_same_table() -> None:
    """`check_fields(cfg)` is what the library's config check calls: every numeric flag of
    `nas search` is covered, by its SearchConfig field."""
    from nas.limits import SEARCH_FIELDS, check_fields
    from nas.search import SearchConfig

    assert {flag for cmd, flag in NUMERIC if cmd == "search"} | {"--timeout"} == set(SEARCH_FIELDS)
    check_fields(SearchConfig())
    for flag, attr in SEARCH_FIELDS.items():
        too_big = [LIMITS[flag].high + 1] if LIMITS[flag].high != float("inf") else []
        for bad in (-1, float("nan"), *too_big):
            with pytest.raises(UsageError, match=f"^{flag}: "):
                check_fields(_with(SearchConfig(), attr, bad))


def test_window_zero_on_a_series_csv_stores_nothing(workdir: Path, run_cli) -> None:
    """Issue 14: `--window 0` was read as 'no window', so the series trained as a table."""
    csv = workdir / "series.csv"
    csv.write_text("t,x\n" + "".join(f"{i},{i % 7}\n" for i in range(40)))
    for window in ("0", "-3"):
        result = run_cli("search", "--data", csv, "--target", "x", "--window", window, "--trials", 1)
        assert result.exit_code == 2 and result.stderr.startswith(f"error: --window: must be at least 1, got {window}")
    assert not (workdir / "studies").exists()


def test_epochs_flag_and_the_space_agree() -> None:
    from nas.space._schema import TRAIN

    epochs = TRAIN.keys["epochs"]
    assert (LIMITS["--epochs"].low, LIMITS["--epochs"].high) == (epochs.low, epochs.high)


HEADER = "family: cnn\nblocks:\n  depth: 1\n"

# (space text, the key path the one line must name, a fragment of the reason)
BAD_VALUES = [
    (HEADER + "  channels: [[8, 16]]\n", "blocks.channels", "choices must be scalars"),
    (HEADER + "  kernel: {low: 1, high: [3]}\n", "blocks.kernel", "high must be a number"),
    (HEADER + "  activation: {relu: 1}\n", "blocks.activation", "unknown range key"),
    (HEADER + "  activation: {low: 1, high: 2}\n", "blocks.activation", "a range is not allowed here"),
    ("family: mlp\nlayers:\n  width: -8\n", "layers.width", "below the minimum"),
    ("family: mlp\nlayers:\n  depth: {low: 0, high: 500}\n", "layers.depth", "above the maximum 64"),
    ("family: mlp\nlayers: [1, 2]\n", "layers", "expected a mapping"),
    ("family: mlp\ntrain:\n  lr: .nan\n", "train.lr", "not a usable number"),
    ("family: mlp\ntrain:\n  lr: 'inf'\n", "train.lr", "not a usable number"),
    ("family: mlp\ntrain:\n  lr: [1.0e-3, .inf]\n", "train.lr", "not a usable number"),
    ("family: mlp\ntrain:\n  batch_size: 1" + "0" * 40 + "\n", "train.batch_size", "not a usable number"),
    ("family: mlp\ntrain:\n  dropout: 1\n", "train.dropout", "unknown key"),
    ("family: mlp\nlayers:\n  dropout: {low: 0.0, high: 0.5, step: 1.0e-300}\n", "layers.dropout", "step"),
    ("family: mlp\nlayers:\n  width: {low: 7, high: 16, step: 2}\n", "layers.width", "use high: 15 or 17"),
    ("family: mlp\nlayers:\n  norm: [batch, {a: [1, {b: 2}]}]\n", "layers.norm", "choices must be scalars"),
    ("family: rnn\nrnn:\n  bidirectional: [yes, 2]\n", "rnn.bidirectional", "expected true or false"),
    ("family: cnn\nblocks:\n  depth: 1\n  pool: 2024-01-01\n", "blocks.pool", "expected a name"),
]


@pytest.mark.parametrize("text, key, reason", BAD_VALUES, ids=[b[1] + "-" + b[2][:12] for b in BAD_VALUES])
def test_each_kind_of_bad_space_value_is_one_line_naming_file_and_key(tmp_path: Path, run_cli, text: str,
                                                                        key: str, reason: str) -> None:
    from nas.space import load_space

    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(SpaceError) as exc:
        load_space(path)
    assert str(exc.value).startswith(f"{path}: {key}: ") and reason in str(exc.value), str(exc.value)
    result = run_cli("validate", path)
    assert result.exit_code == 2 and result.stderr.count("\n") == 1 and f"{key}: " in result.stderr, result.stderr


def test_an_astronomic_space_is_sized_not_overflowed(tmp_path: Path, run_cli) -> None:
    """64 blocks of up to 4096 channels: the size saturates, samples are counted on the meta device."""
    path = tmp_path / "huge.yaml"
    path.write_text("family: cnn\nblocks:\n  depth: {low: 1, high: 64}\n  channels: {low: 1, high: 4096}\n"
                    "  kernel: {low: 1, high: 31}\n  activation: [relu, gelu, silu, tanh]\n")
    result = run_cli("validate", path, "--samples", "1")
    assert result.exit_code == 0, result.stderr
    assert "more than 1e308 discrete combinations" in result.stdout
