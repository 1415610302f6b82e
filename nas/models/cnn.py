"""CNN family: a stack of conv blocks (conv -> norm -> activation -> pool -> dropout), then a head.

Input (B, C, H, W). Pooling halves the map and is skipped once it is smaller than 2x2, so any
sampled depth builds on any image size.
"""
from __future__ import annotations

from typing import Any

from torch import nn

from nas.models._layers import ACTIVATIONS, NORMS_2D, POOLS_2D, dropout, head


def conv_block(c_in: int, block: dict[str, Any], hw: tuple[int, int]) -> tuple[nn.Sequential, tuple[int, int]]:
    """One conv block and the spatial size after it."""
    c_out, norm = int(block["channels"]), block.get("norm", "none")
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, int(block["kernel"]), padding="same", bias=norm == "none"),
        NORMS_2D[norm](c_out),
        ACTIVATIONS[block.get("activation", "relu")](),
    ]
    pool = POOLS_2D[block.get("pool", "none")]
    if pool is not None and min(hw) >= 2:
        layers.append(pool())
        hw = (hw[0] // 2, hw[1] // 2)
    layers.append(dropout(float(block.get("dropout", 0.0))))
    return nn.Sequential(*layers), hw


def build(sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> nn.Module:
    channels, height, width = input_shape
    hw = (height, width)
    blocks: list[nn.Module] = []
    for spec in sections["blocks"]:
        block, hw = conv_block(channels, spec, hw)
        blocks.append(block)
        channels = int(spec["channels"])
    head_spec = sections.get("head", {})
    if head_spec.get("pool", "flatten") == "avg":
        blocks += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        features = channels
    else:
        blocks.append(nn.Flatten())
        features = channels * hw[0] * hw[1]
    return nn.Sequential(*blocks, head(features, out_dim, head_spec))


def summarize(sections: dict[str, Any]) -> str:
    parts = []
    for b in sections["blocks"]:
        text = f"conv{b['channels']}k{b['kernel']}"
        if b.get("pool", "none") != "none":
            text += f"-{b['pool']}pool"
        parts.append(text)
    head_spec = sections.get("head", {})
    if head_spec.get("pool") == "avg":
        parts.append("gap")
    if head_spec.get("hidden"):
        parts.append(f"fc{head_spec['hidden']}")
    return " | ".join(parts)
