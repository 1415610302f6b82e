"""The space DSL: grammar, validation errors (file + key path + what is wrong), size, round trip."""
from __future__ import annotations

from pathlib import Path

import pytest

from nas.errors import SpaceError
from nas.space import Choice, Fixed, Range, load_space, parse_space, shipped_spaces


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "space.yaml"
    path.write_text(text)
    return path


def test_grammar_scalar_list_mapping(tmp_path: Path) -> None:
    space = load_space(write(tmp_path, """
family: cnn
blocks:
  depth: {low: 1, high: 4}
  channels: [16, 32]
  kernel: 3
  dropout: {low: 0.0, high: 0.5, step: 0.1}
train:
  lr: {low: 1e-4, high: 1e-2, log: true}
"""))
    blocks = space.sections["blocks"]
    assert blocks.depth == Range(1, 4, integer=True)
    assert blocks.params["channels"] == Choice((16, 32))
    assert blocks.params["kernel"] == Fixed(3)
    assert blocks.params["dropout"].step == 0.1 and not blocks.params["dropout"].integer
    lr = space.sections["train"].params["lr"]
    assert lr.log and lr.low == pytest.approx(1e-4)  # YAML 1.1 reads 1e-4 as a string: accepted
    assert space.sections["blocks"].params["activation"] == Fixed("relu")  # default filled in
    assert "blocks.*.channels" in space.free_parameters() and "blocks.*.kernel" not in space.free_parameters()


@pytest.mark.parametrize(
    "text, message",
    [
        ("family: cnn\nblocks: {chanels: [8]}\n", r"space\.yaml: blocks\.chanels: unknown key \(did you mean 'channels'\?\)"),
        ("family: cnn\nblocks: {depth: {low: 3, high: 1}}\n", r"blocks\.depth: low \(3\) is greater than high \(1\)"),
        ("family: cnn\nblocks: {}\ntrain: {lr: {low: 0, high: 1, log: true}}\n", r"train\.lr: a log range needs low > 0"),
        ("family: cnn\nblocks: {channels: []}\n", r"blocks\.channels: empty choice list"),
        ("family: cnn\nblocks: {channels: [8, abc]}\n", r"blocks\.channels: expected an integer, got 'abc'"),
        ("family: cnn\nblocks: {activation: [relu, rleu]}\n", r"blocks\.activation: unknown name 'rleu' \(did you mean 'relu'\?\)"),
        ("family: cnn\nblocks: {}\ntrain: {optimizer: adamx}\n", r"train\.optimizer: unknown name 'adamx' \(did you mean 'adam'"),
        ("family: cnn\nblocks: {activation: {low: 1, high: 2}}\n", r"blocks\.activation: a range is not allowed here"),
        ("family: cnn\nblocks: {channels: {low: 8.5, high: 16}}\n", r"blocks\.channels: this key takes integers"),
        ("family: cnn\nblocks: {channels: 0}\n", r"blocks\.channels: 0 is below the minimum 1"),
        ("family: cnn\nblocks: {depth: {low: 1, hihg: 2}}\n", r"blocks\.depth: unknown range key 'hihg' \(did you mean 'high'\?\)"),
        ("family: cnn\nblocks: {dropout: {low: 0.1}}\n", r"blocks\.dropout: a range needs both 'low' and 'high'"),
        ("family: cnn\nblocks: [1, 2]\n", r"blocks: expected a mapping of keys, got list"),
        ("family: cnnn\n", r"family: unknown family 'cnnn' \(did you mean 'cnn'\?\)"),
        ("blocks: {}\n", r"family: missing"),
        ("family: cnn\n", r"blocks: missing required section"),
        ("family: cnn\nblocks: {}\nheads: {}\n", r"heads: unknown key \(did you mean 'head'\?\)"),
        ("family: rnn\nrnn: {bidirectional: [yes_please]}\n", r"rnn\.bidirectional: expected true or false"),
        ("family: cnn\nblocks: {channels: [8, 8]}\n", r"blocks\.channels: duplicate choices"),
        ("family: cnn\nblocks: {channels: [8\n", r"YAML syntax error at line \d+"),
        ("- just\n- a list\n", r"expected a mapping at the top level"),
    ],
)
def test_validation_errors_name_file_key_and_problem(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SpaceError, match=message) as info:
        load_space(write(tmp_path, text))
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(str(tmp_path / "space.yaml"))


def test_missing_file_is_a_space_error(tmp_path: Path) -> None:
    with pytest.raises(SpaceError, match="no such space file"):
        load_space(tmp_path / "nope.yaml")


@pytest.mark.parametrize("name", sorted(shipped_spaces()))
def test_shipped_spaces_round_trip_through_plain_json(name: str) -> None:
    space = load_space(shipped_spaces()[name])
    again = parse_space(space.to_dict(), "<stored>")
    assert again.to_dict() == space.to_dict()
    combos, continuous = space.size()
    assert combos > 1 and continuous >= 1


def test_space_size_counts_conditional_depth(tmp_path: Path) -> None:
    space = load_space(write(tmp_path, "family: mlp\nlayers: {depth: [0, 1, 2], width: [8, 16]}\n"))
    # depth 0: 1 network, depth 1: 2, depth 2: 4 -> 7 (other keys fixed)
    assert space.size() == (7, 0)


def test_all_three_families_share_the_grammar(tmp_path: Path) -> None:
    rnn = load_space(write(tmp_path, "family: rnn\nrnn: {cell: [lstm, gru, rnn], hidden: {low: 8, high: 64, step: 8}, layers: [1, 2], bidirectional: [true, false]}\n"))
    assert rnn.sections["rnn"].params["cell"] == Choice(("lstm", "gru", "rnn"))
    mlp = load_space(write(tmp_path, "family: mlp\nlayers: {depth: {low: 0, high: 2}}\n"))
    assert mlp.sections["layers"].depth == Range(0, 2, integer=True)


def test_shipped_spaces_are_packaged_as_a_regular_package() -> None:
    """An installed nas finds its spaces through `nas.search_spaces`: that must be a regular package
    (a namespace package gives importlib.resources a MultiplexedPath, and no spaces were found)."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert config["package-dir"]["nas.search_spaces"] == "search_spaces"
    assert "nas.search_spaces" in config["packages"] and "*.yaml" in config["package-data"]["nas.search_spaces"]
    assert (root / "search_spaces" / "__init__.py").is_file()
    assert {"image", "sequence", "tabular"} <= set(shipped_spaces())
