"""MLP family: depth 0 is a single linear layer, i.e. linear regression for regression targets
and logistic / softmax regression for classes; each extra layer is linear -> norm -> act -> dropout.

`head: {wide: true}` adds a linear function of the inputs to the hidden layers' output (Wide &
Deep, Cheng et al. 2016). For a regression target it starts at least squares (`WideDeep.start_from`):
training begins at the baseline's own model and the hidden layers learn what a line misses. Why:
on a small table the signal is often mostly linear, and a network started at random spends its
rows rediscovering a line. Measured (docs/training.md): it beat the printed baseline on 23 of 33
real regression tables instead of 18 on one seed, but a second seed on the tables that flipped
showed no gain, so the shipped `tabular` space leaves it off.

Input (B, F); any other shape is flattened.
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn

from nas.models._layers import ACTIVATIONS, NORMS_1D, dropout
from nas.models._start import StartsFromData
from nas.ridge import ridge_solution


class WideDeep(StartsFromData):
    """`deep(x) + wide(x)`: the hidden layers' output plus a linear function of the inputs.

    For a regression target it starts as least squares: `wide` solved on the training split
    (nas.ridge) and the hidden layers' last layer at zero, so training begins at the baseline's
    own model and the hidden layers learn what it misses."""

    def __init__(self, deep: nn.Sequential, features: int, out_dim: int) -> None:
        super().__init__()
        self.deep, self.wide = deep, nn.Linear(features, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.deep(x) + self.wide(x.flatten(1))

    @torch.no_grad()
    def start_from(self, X: torch.Tensor, y: torch.Tensor) -> None:
        if not y.is_floating_point():  # classes: no closed form; the random start, as measured
            return
        weight, bias = ridge_solution(X.flatten(1), y.reshape(len(y), -1), 0.0)
        self.wide.weight.copy_(weight)
        self.wide.bias.copy_(bias)
        nn.init.zeros_(self.deep[-1].weight)
        nn.init.zeros_(self.deep[-1].bias)


def build(sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> nn.Module:
    features = math.prod(input_shape)
    layers: list[nn.Module] = [nn.Flatten()]
    for spec in sections.get("layers", []):
        width = int(spec["width"])
        layers += [
            nn.Linear(features, width),
            NORMS_1D[spec.get("norm", "none")](width),
            ACTIVATIONS[spec.get("activation", "relu")](),
            dropout(float(spec.get("dropout", 0.0))),
        ]
        features = width
    layers.append(nn.Linear(features, out_dim))
    deep = nn.Sequential(*layers)
    if _wide(sections):
        return WideDeep(deep, math.prod(input_shape), out_dim)
    return deep


def _wide(sections: dict[str, Any]) -> bool:
    """A linear part beside hidden layers; at depth 0 the network is that linear part already."""
    return bool(sections.get("layers")) and bool(sections.get("head", {}).get("wide", False))


def summarize(sections: dict[str, Any]) -> str:
    layers = sections.get("layers", [])
    if not layers:
        return "linear"
    deep = " | ".join(f"fc{s['width']}-{s.get('activation', 'relu')}" for s in layers)
    return f"{deep} + linear" if _wide(sections) else deep
