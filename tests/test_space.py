"""The space DSL: grammar, validation errors (file + key path + what is wrong), size, round trip."""
from __future__ import annotations

from pathlib import Path

import pytest

from nas.arch import Arch
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
    sections = space.families["cnn"].sections
    blocks = sections["blocks"]
    assert blocks.depth == Range(1, 4, integer=True)
    assert blocks.params["channels"] == Choice((16, 32))
    assert blocks.params["kernel"] == Fixed(3)
    assert blocks.params["dropout"].step == 0.1 and not blocks.params["dropout"].integer
    lr = sections["train"].params["lr"]
    assert lr.log and lr.low == pytest.approx(1e-4)  # YAML 1.1 reads 1e-4 as a string: accepted
    assert sections["blocks"].params["activation"] == Fixed("relu")  # default filled in
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
    assert rnn.families["rnn"].sections["rnn"].params["cell"] == Choice(("lstm", "gru", "rnn"))
    mlp = load_space(write(tmp_path, "family: mlp\nlayers: {depth: {low: 0, high: 2}}\n"))
    assert mlp.families["mlp"].sections["layers"].depth == Range(0, 2, integer=True)


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


CHOICE = """
name: two
family: [conv1d, rnn]
families:
  conv1d:
    blocks: {depth: [1, 2], channels: [4, 8], kernel: [3, 8]}
    train: {lr: {low: 1.0e-3, high: 1.0e-2, log: true}}
  rnn:
    rnn: {cell: [lstm, gru], hidden: 8}
"""


def test_family_choice_validates_round_trips_and_counts_each_family(tmp_path: Path) -> None:
    space = load_space(write(tmp_path, CHOICE))
    assert space.family_choice and list(space.families) == ["conv1d", "rnn"]
    assert space.free_parameters() == [
        "family", "conv1d.blocks.depth", "conv1d.blocks.*.channels", "conv1d.blocks.*.kernel", "conv1d.train.lr",
        "rnn.rnn.cell"]
    # conv1d: depth 1 -> 4 networks, depth 2 -> 16; rnn: 2 cells; continuous: conv1d's lr
    assert space.sizes() == {"conv1d": (20, 1), "rnn": (2, 0)}
    assert space.size() == (22, 1)
    stored = space.to_dict()
    assert stored["family"] == ["conv1d", "rnn"] and set(stored["families"]) == {"conv1d", "rnn"}
    assert parse_space(stored, "<stored>").to_dict() == stored
    assert space.with_epochs(3).max_epochs() == 3 and space.max_epochs() == 10


def test_single_family_files_keep_their_parameter_names(tmp_path: Path) -> None:
    space = load_space(write(tmp_path, "family: rnn\nrnn: {cell: [lstm, gru]}\n"))
    assert not space.family_choice and space.free_parameters() == ["rnn.cell"]
    assert space.to_dict()["family"] == "rnn" and "families" not in space.to_dict()


@pytest.mark.parametrize(
    "text, message",
    [
        ("family: [cnn, bogus]\n", r"family: unknown family 'bogus'"),
        ("family: {conv1d: {}}\n", r"family: expected a family name or a list of names \(.*\), got a mapping$"),
        ("family: 3\n", r"family: expected a family name or a list of names \(.*\), got int 3$"),
        ("family: []\n", r"family: empty"),
        ("family: [rnn, [cnn]]\n", r"family: expected family names \(.*\), got a list in the list"),
        ("family: [rnn, rnn]\nfamilies: {rnn: {}}\n", r"family: 'rnn' is listed twice"),
        ("family: [conv1d, rnn]\n", r"families: missing \(a list of families needs families: "),
        ("family: [conv1d, rnn]\nfamilies: [conv1d]\n", r"families: expected a mapping of family -> sections, got a list"),
        ("family: [conv1d, rnn]\nfamilies: {conv1d: {blocks: {}}}\n", r"families\.rnn: missing \(the family list names it\)"),
        ("family: [conv1d, rnn]\nfamilies: {conv1d: {}, rnn: {}, cnn: {}}\n", r"families\.cnn: not in the family list \[conv1d, rnn\]"),
        ("family: [conv1d, rnn]\nfamilies: {conv1d: {blocks: {}}, rnn: []}\n", r"families\.rnn: expected a mapping of sections, got a list"),
        ("family: [conv1d, rnn]\nfamilies: {conv1d: {blocks: {}}, rnn: {}}\n", r"families\.rnn\.rnn: missing required section"),
        ("family: [conv1d, rnn]\nfamilies: {conv1d: {blocks: {kernal: 3}}, rnn: {rnn: {}}}\n",
         r"families\.conv1d\.blocks\.kernal: unknown key \(did you mean 'kernel'\?\)"),
        ("family: [conv1d, rnn]\nfamilies: {conv1d: {blocks: {}}, rnn: {rnn: {}}}\ntrain: {}\n",
         r"train: with a list of families, sections go under families\.<family> \(families\.conv1d\.train\)"),
        ("family: rnn\nrnn: {}\nfamilies: {rnn: {}}\n", r"families: only with a list of families"),
    ],
)
def test_bad_family_values_are_one_line_errors_naming_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SpaceError, match=message) as info:
        load_space(write(tmp_path, text))
    assert "\n" not in str(info.value) and str(info.value).startswith(str(tmp_path / "space.yaml"))


def test_family_is_sampled_first_and_only_its_parameters_after_it(tmp_path: Path) -> None:
    import optuna

    from nas.sample import sample_arch

    space = load_space(write(tmp_path, CHOICE))
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = set()
    for _ in range(12):
        trial = study.ask()
        arch = sample_arch(space, trial)
        seen.add(arch.family)
        names = list(trial.params)
        assert names[0] == "family" and trial.params["family"] == arch.family
        assert all(n.startswith(f"{arch.family}.") for n in names[1:]), names  # the other family is absent
        assert Arch.from_dict(arch.to_dict()) == arch and arch.to_dict()["family"] == arch.family
        study.tell(trial, 0.0)
    assert seen == {"conv1d", "rnn"}
    fixed = sample_arch(space, optuna.trial.FixedTrial({"family": "rnn", "rnn.rnn.cell": "gru"}))
    assert fixed.family == "rnn" and fixed.sections["rnn"]["cell"] == "gru"


def test_a_linear_network_is_fitted_by_lbfgs_whatever_optimizer_was_sampled(tmp_path: Path) -> None:
    """Depth 0 is linear / logistic regression, convex: it is trained by full-batch L-BFGS to the
    optimum (issue 11's recipe), while deeper networks keep the sampled optimizer."""
    import optuna

    from nas.sample import sample_arch

    space = load_space(write(tmp_path, "family: mlp\nlayers: {depth: [0, 1], width: 8}\ntrain: {optimizer: adamw}\n"))
    for depth, optimizer in ((0, "lbfgs"), (1, "adamw")):
        arch = sample_arch(space, optuna.trial.FixedTrial({"layers.depth": depth}))
        assert arch.train["optimizer"] == optimizer and len(arch.sections["layers"]) == depth


def test_a_wide_network_is_kept_for_a_regression_target_and_written_plain_for_classes(tmp_path: Path) -> None:
    """`head.wide` (nas.sample.WIDE_KINDS): a regression network keeps its linear part; a
    classifier's sampled architecture says `wide: false`, so it is built and stored plain."""
    import optuna

    from nas.sample import sample_arch

    space = load_space(write(tmp_path, "family: mlp\nlayers: {depth: [0, 1], width: 16}\nhead: {wide: true}\n"))
    fixed = optuna.trial.FixedTrial({"layers.depth": 1, "layers.0.width": 16, "layers.0.activation": "relu",
                                     "layers.0.norm": "none", "layers.0.dropout": 0.0, "train.optimizer": "adam",
                                     "train.lr": 1e-3, "train.weight_decay": 1e-4, "train.batch_size": 32,
                                     "train.scheduler": "none"})
    wide = {kind: sample_arch(space, fixed, kind=kind).sections["head"]["wide"]
            for kind in ("regression", "classification", None)}
    assert wide == {"regression": True, "classification": False, None: True}


def test_an_lbfgs_network_makes_fewer_iterations_an_epoch_on_a_large_training_split(tmp_path: Path) -> None:
    """Past 3,200 training rows a deeper network's full-batch L-BFGS epoch makes proportionally
    fewer iterations (nas.sample.lbfgs_iters), written into the architecture so that the folds
    and the refit make the same ones; small splits, other optimizers and convex fits (a linear
    network, whose path must converge at each step; rocket's linear head, 8 epochs) are unchanged."""
    import optuna

    from nas.sample import LBFGS_ITERS, lbfgs_iters, sample_arch

    space = load_space(write(tmp_path, "family: mlp\nlayers: {depth: [0, 2], width: 8}\n"
                                       "train: {optimizer: [adamw, lbfgs], epochs: 3}\n"))
    def train(depth: int, optimizer: str, rows: int | None) -> dict:
        trial = optuna.trial.FixedTrial({"layers.depth": depth, "train.optimizer": optimizer})
        return sample_arch(space, trial, "regression", rows).train

    assert train(2, "lbfgs", 32_364)["lbfgs_iters"] == 2 == lbfgs_iters(32_364)
    assert train(2, "lbfgs", 640_000)["lbfgs_iters"] == 1 and lbfgs_iters(6_400) == LBFGS_ITERS // 2
    for unchanged in (train(2, "lbfgs", 3_200), train(2, "lbfgs", None), train(2, "adamw", 32_364),
                      train(0, "lbfgs", 32_364)):
        assert "lbfgs_iters" not in unchanged, unchanged
    rocket = load_space(write(tmp_path, "family: rocket\nrocket: {features: 168}\nhead: {hidden: [0, 16]}\n"
                                        "train: {optimizer: lbfgs, epochs: 8}\n"))
    heads = {hidden: sample_arch(rocket, optuna.trial.FixedTrial({"head.hidden": hidden}), "classification", 32_364)
             for hidden in (0, 16)}
    assert "lbfgs_iters" not in heads[0].train and heads[16].train["lbfgs_iters"] == 2  # a linear head is convex


def test_a_linear_regression_walks_a_regularisation_path_and_its_repeats_are_one_configuration(tmp_path: Path) -> None:
    """A linear network drops the knobs L-BFGS ignores (lr, batch size, scheduler); for a
    regression target it is fitted along a regularisation path (nas.sample.LINEAR_TRAIN): one
    weight decay per epoch from 0.1 down to 1e-5, whatever was sampled, so two depth-0 samples are
    the same JSON (the second is a duplicate, never trained). A classifier keeps its sampled weight
    decay and epochs; deeper networks keep every knob."""
    import optuna

    from nas.sample import LINEAR_TRAIN, PATH_EPOCHS, path_weight_decay, sample_arch

    space = load_space(write(tmp_path, "family: mlp\nlayers: {depth: [0, 1], width: 8}\ntrain: {lr: [0.001, 0.01], "
                                       "batch_size: [16, 32], epochs: 3, weight_decay: {low: 1.0e-6, high: 1.0e-2}}\n"))
    one, other = ({"train.lr": lr, "train.batch_size": b, "train.weight_decay": wd} for lr, b, wd in
                  ((0.01, 32, 1e-3), (0.001, 16, 1e-6)))
    a, b = (sample_arch(space, optuna.trial.FixedTrial({"layers.depth": 0, **p}), "regression") for p in (one, other))
    assert a.to_json() == b.to_json() and a.train.items() >= LINEAR_TRAIN["regression"].items()
    assert a.train["optimizer"] == "lbfgs" and not {"lr", "batch_size", "scheduler"} & set(a.train)
    classifier = sample_arch(space, optuna.trial.FixedTrial({"layers.depth": 0, **one}), "classification")
    assert classifier.train.items() >= {"optimizer": "lbfgs", "weight_decay": 1e-3, "epochs": 3}.items()
    assert "decay_path" not in classifier.train and "lr" not in classifier.train
    deep = sample_arch(space, optuna.trial.FixedTrial({"layers.depth": 1, **one}), "regression")
    assert deep.train["epochs"] == 3 and "decay_path" not in deep.train and deep.train["lr"] == 0.01
    decays = [path_weight_decay(e, a.train["weight_decay"]) for e in range(PATH_EPOCHS)]
    assert decays[0] == 0.1 and decays[-2] == pytest.approx(1e-5) and decays == sorted(decays, reverse=True)
    assert decays[3] == pytest.approx(0.01) and decays[-1] == path_weight_decay(PATH_EPOCHS + 5, 1e-5) == 0.0
