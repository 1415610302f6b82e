"""Augmentation of training batches, as tensor ops on the device (airbench style: no DataLoader).

Each op takes a batch, its strength (the `train` key's value) and the fit's torch.Generator, and
returns a new batch; every sample draws its own random values, so one call augments a whole batch.
Only `nas.train` calls `make_augment`, on training batches: validation and test rows are never
augmented. Inputs are standardised (zero mean, unit variance per channel or feature), so strengths
are in those units.

    images (B, C, H, W):  crop (pad by N pixels, cut back at a random offset), flip (horizontal),
                          trivial_augment (one random op per image at a random strength)
    sequences (B, T, F):  jitter (gaussian noise), scaling (per-feature factor ~ N(1, s)),
                          shift (pad N steps at both ends, cut back: a random time shift),
                          window_crop (keep a random window of 1 - f of the steps, stretched back)
    any shape:            jitter

TrivialAugment here is a pure-torch stand-in for torchvision's TrivialAugmentWide (torchvision
cannot be imported next to this torch build): one of identity, rotate, shear x/y, translate x/y,
brightness, contrast per image, strength uniform in [0, max]. The colour ops that assume pixel
values in [0, 255] (solarize, posterize, equalize) have no meaning on standardised inputs and are
left out.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F

from nas.errors import NasError

Op = Callable[[torch.Tensor, Any, torch.Generator], torch.Tensor]


def _uniform(shape: tuple[int, ...], x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    return torch.rand(shape, generator=gen, device=x.device, dtype=x.dtype)


def _normal(shape: tuple[int, ...], x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    return torch.randn(shape, generator=gen, device=x.device, dtype=x.dtype)


def _offsets(n: int, high: int, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """One integer offset in [0, high] per sample."""
    return torch.randint(0, high + 1, (n,), generator=gen, device=x.device)


def crop(x: torch.Tensor, pad: int, gen: torch.Generator) -> torch.Tensor:
    """Pad H and W by `pad` (edge pixels repeated) and cut an H x W window at a random offset."""
    b, _, h, w = x.shape
    padded = F.pad(x, (pad,) * 4, mode="replicate")
    rows = _offsets(b, 2 * pad, x, gen)[:, None] + torch.arange(h, device=x.device)  # (B, H)
    cols = _offsets(b, 2 * pad, x, gen)[:, None] + torch.arange(w, device=x.device)  # (B, W)
    batch = torch.arange(b, device=x.device)[:, None, None]
    out = padded[batch, :, rows[:, :, None], cols[:, None, :]]  # (B, H, W, C): advanced dims first
    return out.permute(0, 3, 1, 2).contiguous()


def flip(x: torch.Tensor, on: bool, gen: torch.Generator) -> torch.Tensor:
    """Mirror half of the images left-right."""
    mask = _uniform((x.shape[0], 1, 1, 1), x, gen) < 0.5
    return torch.where(mask, x.flip(-1), x)


# TrivialAugment's ops: name -> its maximum strength (RandAugment's ranges; translate as a fraction
# of the image, which the affine grid measures as 2 per side).
_TRIVIAL = {"identity": 0.0, "rotate": math.radians(30), "shear_x": 0.3, "shear_y": 0.3,
            "translate_x": 0.3, "translate_y": 0.3, "brightness": 0.9, "contrast": 0.9}


def trivial_augment(x: torch.Tensor, on: bool, gen: torch.Generator) -> torch.Tensor:
    """One op per image, chosen uniformly, at a strength uniform in [0, max] with a random sign."""
    b = x.shape[0]
    names = list(_TRIVIAL)
    pick = torch.randint(0, len(names), (b,), generator=gen, device=x.device)
    top = torch.tensor(list(_TRIVIAL.values()), device=x.device, dtype=x.dtype)[pick]
    sign = torch.where(_uniform((b,), x, gen) < 0.5, -1.0, 1.0).to(x.dtype)
    m = {name: torch.where(pick == i, top * _uniform((b,), x, gen) * sign, 0.0) for i, name in enumerate(names)}
    cos, sin = torch.cos(m["rotate"]), torch.sin(m["rotate"])
    theta = torch.stack([torch.stack([cos, -sin + m["shear_x"], 2 * m["translate_x"]], -1),
                         torch.stack([sin + m["shear_y"], cos, 2 * m["translate_y"]], -1)], 1)  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    out = F.grid_sample(x, grid, mode="bilinear", padding_mode="border", align_corners=False)
    mean = out.mean(dim=(1, 2, 3), keepdim=True)
    contrast = (1 + m["contrast"]).view(b, 1, 1, 1)
    return (out - mean) * contrast + mean + m["brightness"].view(b, 1, 1, 1)


def jitter(x: torch.Tensor, std: float, gen: torch.Generator) -> torch.Tensor:
    """Add gaussian noise of standard deviation `std` to every value."""
    return x + std * _normal(tuple(x.shape), x, gen)


def scaling(x: torch.Tensor, std: float, gen: torch.Generator) -> torch.Tensor:
    """Multiply each feature of each sequence by its own factor drawn from N(1, std)."""
    return x * (1 + std * _normal((x.shape[0], 1, x.shape[2]), x, gen))


def shift(x: torch.Tensor, steps: int, gen: torch.Generator) -> torch.Tensor:
    """Pad `steps` at both ends of time (edge values repeated), cut back to T at a random offset."""
    b, t, _ = x.shape
    padded = F.pad(x.transpose(1, 2), (steps, steps), mode="replicate").transpose(1, 2)  # (B, T + 2s, F)
    index = _offsets(b, 2 * steps, x, gen)[:, None] + torch.arange(t, device=x.device)  # (B, T)
    return padded[torch.arange(b, device=x.device)[:, None], index]


def window_crop(x: torch.Tensor, fraction: float, gen: torch.Generator) -> torch.Tensor:
    """Keep a random window of round((1 - fraction) T) steps and stretch it back to T (linearly)."""
    b, t, _ = x.shape
    keep = max(2, round((1 - fraction) * t))
    if keep >= t:
        return x
    start = _offsets(b, t - keep, x, gen).to(x.dtype)[:, None]
    pos = start + torch.linspace(0, keep - 1, t, device=x.device, dtype=x.dtype)  # (B, T), fractional
    lo = pos.floor().long().clamp(max=t - 2)
    frac = (pos - lo).unsqueeze(-1)
    rows = torch.arange(b, device=x.device)[:, None]
    return x[rows, lo] * (1 - frac) + x[rows, lo + 1] * frac


@dataclass(frozen=True)
class AugmentOp:
    """An op, the input rank it needs with the batch dimension (None: any), and what that is."""

    fn: Op
    rank: int | None
    what: str


# Applied in this order; each is a `train` key whose default (0 / false) turns it off.
AUGMENTS: dict[str, AugmentOp] = {
    "crop": AugmentOp(crop, 4, "images"),
    "flip": AugmentOp(flip, 4, "images"),
    "trivial_augment": AugmentOp(trivial_augment, 4, "images"),
    "shift": AugmentOp(shift, 3, "sequences"),
    "window_crop": AugmentOp(window_crop, 3, "sequences"),
    "scaling": AugmentOp(scaling, 3, "sequences"),
    "jitter": AugmentOp(jitter, None, "any input"),
}


Augment = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def make_augment(settings: dict[str, Any], x: torch.Tensor) -> Augment | None:
    """The batch transform for the switched-on ops in `settings` (key -> strength), or None.

    `x` is a training batch (or the whole training split): its rank is checked once here, so a
    sequence op asked of images fails with one line naming the key, never deep in a trial.
    """
    ops = [(name, value) for name, value in settings.items() if name in AUGMENTS and value]
    for name, _ in ops:
        op = AUGMENTS[name]
        if op.rank is not None and x.dim() != op.rank:
            raise NasError(f"train.{name}: augments {op.what}, but the inputs have shape {tuple(x.shape[1:])}")
    if not ops:
        return None

    def apply(batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:  # the ops in AUGMENTS order
        for name, value in ops:
            batch = AUGMENTS[name].fn(batch, value, gen)
        return batch

    return apply
