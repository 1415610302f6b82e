"""Conv1d family: temporal convolutions over sequences, then global pooling over time and a head.

Input (B, T, C), multivariate included. Each block is `convs` layers of one kind, with an optional
residual connection around them (a 1x1 projection when the channel count changes), then optional
pooling that halves time, then dropout. Two kinds of layer:

- `conv`: pad -> conv(kernel, dilation) -> norm -> activation. Three such blocks of 128/256/128
  channels with kernels 8/5/3, batch norm, ReLU and global average pooling are FCN (Wang et al.
  2017); three residual blocks of three convs each are its ResNet.
- `inception`: a bottleneck 1x1 conv, parallel convs with kernels k, k/2, k/4 and a max-pool
  branch, concatenated, then norm -> activation (InceptionTime, Fawaz et al. 2020: kernel 40,
  128 channels, blocks of three with a residual).

One space serves series of 8 to ~500 steps because a kernel (and its dilation) is clipped to the
length the block sees, after earlier pooling: a kernel of 40 on 24 steps is a kernel of 24.
Padding is explicit and "same" (left = span // 2, right the rest), so even kernels keep the
length and the exported graphs hold only plain pads and convolutions.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nas.models._layers import ACTIVATIONS, NORMS_SEQ, POOLS_SEQ, dropout, head

GLOBAL_POOLS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "avg": lambda x: x.mean(dim=-1),
    "max": lambda x: x.amax(dim=-1),
}


def fit_kernel(kernel: int, dilation: int, steps: int) -> tuple[int, int]:
    """The kernel and dilation clipped so that the kernel's span fits `steps` time steps."""
    kernel = max(1, min(int(kernel), steps))
    if kernel == 1:
        return 1, 1
    return kernel, max(1, min(int(dilation), (steps - 1) // (kernel - 1)))


def same_conv(c_in: int, c_out: int, kernel: int, dilation: int, bias: bool) -> nn.Sequential:
    """A convolution that keeps the length for any kernel, odd or even."""
    span = dilation * (kernel - 1)
    left, right = span // 2, span - span // 2
    pad: list[nn.Module] = [nn.ConstantPad1d((left, right), 0.0)] if span else []
    return nn.Sequential(*pad, nn.Conv1d(c_in, c_out, kernel, dilation=dilation, bias=bias))


class Inception(nn.Module):
    """Bottleneck, three parallel kernels (k, k/2, k/4) and a max-pool branch, concatenated."""

    def __init__(self, c_in: int, channels: int, kernel: int, dilation: int, steps: int) -> None:
        super().__init__()
        width = max(1, channels // 4)
        self.out_channels = 3 * width + max(1, channels - 3 * width)
        self.bottleneck = nn.Conv1d(c_in, width, 1, bias=False) if c_in > 1 else nn.Identity()
        c_mid = width if c_in > 1 else c_in
        self.branches = nn.ModuleList(
            same_conv(c_mid, width, *fit_kernel(max(1, kernel // 2**i), dilation, steps), bias=False)
            for i in range(3)
        )
        self.pool = nn.Sequential(nn.MaxPool1d(3, stride=1, padding=1),
                                  nn.Conv1d(c_in, self.out_channels - 3 * width, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T) -> (B, out_channels, T)
        z = self.bottleneck(x)
        return torch.cat([branch(z) for branch in self.branches] + [self.pool(x)], dim=1)


def _conv(c_in: int, spec: dict[str, Any], steps: int) -> tuple[nn.Module, int]:
    """A plain convolution; no bias when a norm follows (it would cancel it)."""
    kernel, dilation = fit_kernel(int(spec.get("kernel", 3)), int(spec.get("dilation", 1)), steps)
    bias = spec.get("norm", "batch") == "none"
    return same_conv(c_in, int(spec["channels"]), kernel, dilation, bias), int(spec["channels"])


def _inception(c_in: int, spec: dict[str, Any], steps: int) -> tuple[nn.Module, int]:
    layer = Inception(c_in, int(spec["channels"]), int(spec.get("kernel", 3)), int(spec.get("dilation", 1)), steps)
    return layer, layer.out_channels


# block kind -> factory(c_in, block spec, steps) -> (layer, its output channels)
LAYERS: dict[str, Callable[[int, dict[str, Any], int], tuple[nn.Module, int]]] = {
    "conv": _conv,
    "inception": _inception,
}


class Block(nn.Module):
    """`convs` layers (each conv -> norm -> activation), an optional residual, pooling, dropout."""

    def __init__(self, c_in: int, spec: dict[str, Any], steps: int) -> None:
        super().__init__()
        kind, norm = spec.get("kind", "conv"), spec.get("norm", "batch")
        layers: list[nn.Module] = []
        channels = c_in
        for _ in range(int(spec.get("convs", 1))):
            layer, channels = LAYERS[kind](channels, spec, steps)
            layers += [layer, NORMS_SEQ[norm](channels), ACTIVATIONS[spec.get("activation", "relu")]()]
        self.out_channels = channels
        self.residual = bool(spec.get("residual", False))
        # ResNet: the last activation comes after the sum, so the shortcut is not squashed twice
        self.body = nn.Sequential(*(layers[:-1] if self.residual else layers))
        self.after = layers[-1] if self.residual else nn.Identity()
        self.shortcut: nn.Module = nn.Identity()
        if self.residual and c_in != channels:
            self.shortcut = nn.Sequential(nn.Conv1d(c_in, channels, 1, bias=False), NORMS_SEQ[norm](channels))
        pool = POOLS_SEQ[spec.get("pool", "none")]
        self.steps_out = steps // 2 if pool is not None and steps >= 2 else steps
        self.pool = pool() if self.steps_out != steps else nn.Identity()
        self.drop = dropout(float(spec.get("dropout", 0.0)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, C, T)
        y = self.body(x)
        if self.residual:
            y = y + self.shortcut(x)
        return self.drop(self.pool(self.after(y)))


class Conv1dNet(nn.Module):
    """Blocks over (B, C, T), each sized for the length its input has; global pooling; the head."""

    def __init__(self, sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> None:
        super().__init__()
        steps, channels = input_shape
        blocks: list[Block] = []
        for spec in sections["blocks"]:
            blocks.append(Block(channels, spec, steps))
            channels, steps = blocks[-1].out_channels, blocks[-1].steps_out
        self.blocks = nn.Sequential(*blocks)
        head_spec = sections.get("head", {})
        self.pool_name = head_spec.get("pool", "avg")
        self.head = head(channels, out_dim, head_spec)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, C)
        features = self.blocks(x.transpose(1, 2))  # (B, C', T')
        return self.head(GLOBAL_POOLS[self.pool_name](features))


def build(sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> nn.Module:
    return Conv1dNet(sections, input_shape, out_dim)


def _block_text(b: dict[str, Any]) -> str:
    """`128k8`, `inc128k40`, `64k5d2x3-res-maxpool`: channels, kernel, dilation, convs, extras."""
    text = ("inc" if b.get("kind") == "inception" else "") + f"{b['channels']}k{b.get('kernel', 3)}"
    if int(b.get("dilation", 1)) > 1:
        text += f"d{b['dilation']}"
    if int(b.get("convs", 1)) > 1:
        text += f"x{b['convs']}"
    if b.get("residual"):
        text += "-res"
    if b.get("pool", "none") != "none":
        text += f"-{b['pool']}pool"
    return text


def summarize(sections: dict[str, Any]) -> str:
    """Starts with the family name: in a space with a family choice it shares tables with rnn."""
    head_spec = sections.get("head", {})
    parts = [_block_text(b) for b in sections["blocks"]] + [f"g{head_spec.get('pool', 'avg')}"]
    if head_spec.get("hidden"):
        parts.append(f"fc{head_spec['hidden']}")
    return "conv1d " + " | ".join(parts)
