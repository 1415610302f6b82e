"""Name -> layer factories shared by the builders (dict dispatch, no if/elif on type strings).

The names are exactly the vocabularies in `nas.space._schema`; a test checks they agree.
"""
from __future__ import annotations

from collections.abc import Callable

from torch import nn

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "gelu": nn.GELU,
    "silu": nn.SiLU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
    "leaky_relu": lambda: nn.LeakyReLU(0.01),
    "hardswish": nn.Hardswish,
}

# Normalisation over channels of a (B, C, H, W) feature map.
NORMS_2D: dict[str, Callable[[int], nn.Module]] = {
    "batch": nn.BatchNorm2d,
    "layer": lambda c: nn.GroupNorm(1, c),
    "none": lambda c: nn.Identity(),
}

# Normalisation over features of a (B, F) vector.
NORMS_1D: dict[str, Callable[[int], nn.Module]] = {
    "batch": nn.BatchNorm1d,
    "layer": nn.LayerNorm,
    "none": lambda f: nn.Identity(),
}

# Normalisation over channels of a (B, C, T) sequence of feature vectors.
NORMS_SEQ: dict[str, Callable[[int], nn.Module]] = {
    "batch": nn.BatchNorm1d,
    "layer": lambda c: nn.GroupNorm(1, c),
    "none": lambda c: nn.Identity(),
}

POOLS_2D: dict[str, Callable[[], nn.Module] | None] = {
    "max": lambda: nn.MaxPool2d(2),
    "avg": lambda: nn.AvgPool2d(2),
    "none": None,
}

# Pooling that halves time in a (B, C, T) sequence.
POOLS_SEQ: dict[str, Callable[[], nn.Module] | None] = {
    "max": lambda: nn.MaxPool1d(2),
    "avg": lambda: nn.AvgPool1d(2),
    "none": None,
}


def dropout(p: float) -> nn.Module:
    """Dropout, or an identity when p is 0 (keeps exported graphs free of no-op nodes)."""
    return nn.Dropout(p) if p > 0 else nn.Identity()


def head(in_features: int, out_dim: int, spec: dict) -> nn.Sequential:
    """The classifier / regressor head: optional hidden layer, dropout, final linear layer."""
    hidden = int(spec.get("hidden", 0))
    layers: list[nn.Module] = []
    if hidden > 0:
        layers += [nn.Linear(in_features, hidden), ACTIVATIONS[spec.get("activation", "relu")]()]
        in_features = hidden
    layers += [dropout(float(spec.get("dropout", 0.0))), nn.Linear(in_features, out_dim)]
    return nn.Sequential(*layers)
