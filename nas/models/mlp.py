"""MLP family: depth 0 is a single linear layer, i.e. linear regression for regression targets
and logistic / softmax regression for classes; each extra layer is linear -> norm -> act -> dropout.

Input (B, F); any other shape is flattened.
"""
from __future__ import annotations

import math
from typing import Any

from torch import nn

from nas.models._layers import ACTIVATIONS, NORMS_1D, dropout


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
    return nn.Sequential(*layers)


def summarize(sections: dict[str, Any]) -> str:
    layers = sections.get("layers", [])
    if not layers:
        return "linear"
    return " | ".join(f"fc{s['width']}-{s.get('activation', 'relu')}" for s in layers)
