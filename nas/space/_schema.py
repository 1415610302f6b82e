"""What each family's space may contain: sections, keys, their types, bounds and defaults.

The schema is data. Validation (`check`) is one generic walk over it, so a new family is a new
table here plus a builder in `nas.models`, with no new validation code. Name vocabularies
(activations, optimizers, ...) live here so that `nas validate` needs no torch; a test checks
that the builders implement exactly these names.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nas.errors import nearest
from nas.space._grammar import Choice, Fixed, GrammarError, Param

ACTIVATIONS = ("relu", "gelu", "silu", "tanh", "elu", "leaky_relu", "hardswish")
NORMS = ("batch", "layer", "none")
POOLS = ("max", "avg", "none")
HEAD_POOLS = ("flatten", "avg")
CELLS = ("lstm", "gru", "rnn")
TIME_POOLS = ("last", "mean", "max")
CONV1D_KINDS = ("conv", "inception")
GLOBAL_POOLS = ("avg", "max")
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "lbfgs")
SCHEDULERS = ("none", "cosine", "onecycle")


@dataclass(frozen=True)
class Key:
    """One key of a section: its type ('int', 'float', 'bool', 'name'), bounds and default.

    `needs` names a sibling integer key: this key is only sampled when that one is non-zero
    (a conv front-end's kernel is meaningless with 0 channels).
    """

    type: str
    default: Any = None
    low: float | None = None
    high: float | None = None
    names: tuple[str, ...] = ()
    needs: str | None = None


@dataclass(frozen=True)
class Section:
    """A group of keys; `repeated` sections are lists of blocks whose count is the `depth` key."""

    keys: dict[str, Key]
    repeated: bool = False
    depth: Key | None = None
    required: bool = False


def _unit(default: float) -> Key:
    return Key("float", default, low=0.0, high=0.95)


TRAIN_KEYS = {
    "optimizer": Key("name", "adamw", names=OPTIMIZERS),
    "lr": Key("float", 1e-3, low=1e-7, high=10.0),
    "weight_decay": Key("float", 0.0, low=0.0, high=1.0),
    "batch_size": Key("int", 64, low=1, high=65536),
    "epochs": Key("int", 10, low=1, high=100000),
    "scheduler": Key("name", "none", names=SCHEDULERS),
    # Regularisers, all off by default (nas.train): label smoothing applies to classification only.
    "label_smoothing": Key("float", 0.0, low=0.0, high=0.5),
    "ema": Key("float", 0.0, low=0.0, high=0.9999),
    "patience": Key("int", 0, low=0, high=100000),
}
# Augmentation of training batches (nas.augment), by the input each family takes; 0 / false = off.
IMAGE_AUGMENT = {
    "crop": Key("int", 0, low=0, high=64),
    "flip": Key("bool", False),
    "trivial_augment": Key("bool", False),
}
SEQUENCE_AUGMENT = {
    "jitter": Key("float", 0.0, low=0.0, high=10.0),
    "scaling": Key("float", 0.0, low=0.0, high=1.0),
    "shift": Key("int", 0, low=0, high=4096),
    "window_crop": Key("float", 0.0, low=0.0, high=0.9),
}
TABLE_AUGMENT = {"jitter": SEQUENCE_AUGMENT["jitter"]}

TRAIN = Section(TRAIN_KEYS)

HEAD = Section(
    {
        "pool": Key("name", "flatten", names=HEAD_POOLS),
        "hidden": Key("int", 0, low=0, high=65536),
        "activation": Key("name", "relu", names=ACTIVATIONS),
        "dropout": _unit(0.0),
    }
)

FAMILIES: dict[str, dict[str, Section]] = {
    "cnn": {
        "blocks": Section(
            {
                "channels": Key("int", 32, low=1, high=4096),
                "kernel": Key("int", 3, low=1, high=31),
                "activation": Key("name", "relu", names=ACTIVATIONS),
                "norm": Key("name", "batch", names=NORMS),
                "pool": Key("name", "none", names=POOLS),
                "dropout": _unit(0.0),
            },
            repeated=True,
            depth=Key("int", 2, low=1, high=64),
            required=True,
        ),
        "head": HEAD,
        "train": Section({**TRAIN_KEYS, **IMAGE_AUGMENT}),
    },
    "rnn": {
        "frontend": Section(
            {
                "channels": Key("int", 0, low=0, high=4096),
                "kernel": Key("int", 3, low=1, high=31, needs="channels"),
                "activation": Key("name", "relu", names=ACTIVATIONS, needs="channels"),
            }
        ),
        "rnn": Section(
            {
                "cell": Key("name", "lstm", names=CELLS),
                "hidden": Key("int", 64, low=1, high=8192),
                "layers": Key("int", 1, low=1, high=16),
                "bidirectional": Key("bool", False),
                "dropout": _unit(0.0),
                "pool": Key("name", "last", names=TIME_POOLS),
            },
            required=True,
        ),
        "head": Section({k: v for k, v in HEAD.keys.items() if k != "pool"}),
        "train": Section({**TRAIN_KEYS, **SEQUENCE_AUGMENT}),
    },
    "conv1d": {
        "blocks": Section(
            {
                "kind": Key("name", "conv", names=CONV1D_KINDS),
                "channels": Key("int", 64, low=1, high=4096),
                "kernel": Key("int", 3, low=1, high=255),  # clipped to the length the block sees
                "dilation": Key("int", 1, low=1, high=64),
                "convs": Key("int", 1, low=1, high=8),
                "residual": Key("bool", False),
                "activation": Key("name", "relu", names=ACTIVATIONS),
                "norm": Key("name", "batch", names=NORMS),
                "pool": Key("name", "none", names=POOLS),
                "dropout": _unit(0.0),
            },
            repeated=True,
            depth=Key("int", 3, low=1, high=64),
            required=True,
        ),
        "head": Section({**HEAD.keys, "pool": Key("name", "avg", names=GLOBAL_POOLS)}),
        "train": Section({**TRAIN_KEYS, **SEQUENCE_AUGMENT}),
    },
    "rocket": {
        "rocket": Section(
            {
                "features": Key("int", 10000, low=84, high=100000),  # 84 kernels x (features // 84)
                "max_dilations": Key("int", 32, low=1, high=64),
                "max": Key("bool", False),  # also the maximum of each convolution
            }
        ),
        "head": Section({k: v for k, v in HEAD.keys.items() if k != "pool"}),
        "train": Section({**TRAIN_KEYS, **SEQUENCE_AUGMENT}),
    },
    "mlp": {
        "layers": Section(
            {
                "width": Key("int", 64, low=1, high=65536),
                "activation": Key("name", "relu", names=ACTIVATIONS),
                "norm": Key("name", "none", names=NORMS),
                "dropout": _unit(0.0),
            },
            repeated=True,
            depth=Key("int", 1, low=0, high=64),
        ),
        "head": Section({"wide": Key("bool", False)}),  # the inputs' linear function added to the output
        "train": Section({**TRAIN_KEYS, **TABLE_AUGMENT}),
    },
}


def _check_scalar(value: Any, key: Key) -> None:
    checks = {"int": _check_int, "float": _check_float, "bool": _check_bool, "name": _check_name}
    checks[key.type](value, key)


def _check_bounds(value: float, key: Key) -> None:
    if key.low is not None and value < key.low:
        raise GrammarError(f"{value} is below the minimum {key.low:g}")
    if key.high is not None and value > key.high:
        raise GrammarError(f"{value} is above the maximum {key.high:g}")


def _check_int(value: Any, key: Key) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise GrammarError(f"expected an integer, got {value!r}")
    _check_bounds(value, key)


def _check_float(value: Any, key: Key) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise GrammarError(f"expected a number, got {value!r}")
    _check_bounds(value, key)


def _check_bool(value: Any, key: Key) -> None:
    if not isinstance(value, bool):
        raise GrammarError(f"expected true or false, got {value!r}")


def _check_name(value: Any, key: Key) -> None:
    if not isinstance(value, str):
        raise GrammarError(f"expected a name, got {value!r}{nearest('', key.names)}")
    if value not in key.names:
        raise GrammarError(f"unknown name '{value}'{nearest(value, key.names)}")


def coerce(param: Param, key: Key) -> Param:
    """Check a parsed value against its key; numeric strings become numbers. Returns the Param."""
    if isinstance(param, Fixed):
        value = _coerce_number(param.value, key)
        _check_scalar(value, key)
        return Fixed(value)
    if isinstance(param, Choice):
        options = tuple(_coerce_number(v, key) for v in param.options)
        for option in options:
            _check_scalar(option, key)
        return Choice(options)
    if key.type not in ("int", "float"):
        raise GrammarError(f"a range is not allowed here: this key takes a {key.type}, use a list")
    if key.type == "int" and not param.integer:
        raise GrammarError("this key takes integers: low, high and step must be integers")
    for bound in param.values():
        _check_bounds(bound, key)
    return param


def _coerce_number(value: Any, key: Key) -> Any:
    """`1e-4` arrives from YAML 1.1 as a string; accept it for float keys (data, never eval)."""
    if key.type == "float" and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    if key.type == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
