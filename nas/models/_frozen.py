"""Models with a frozen first stage that is fitted to the training data once, before training.

A random-kernel model (the rocket family) computes features with fixed convolutions whose biases
and feature scales come from the training series; only the head after them is trained. The
trainer (nas.train) knows such a model by this base class and nothing else: `build_seeded` calls
`fit_data` with the training split, and `fit` computes `features` once per split and trains
`head` on them (the frozen stage would give the same values every epoch; recomputing them per
batch would make the cheap head the minor cost). Everything `fit_data` sets lives in buffers,
so checkpoints, export, predict and retrain rebuild the model from its state dict alone.
"""
from __future__ import annotations

import torch
from torch import nn


class FitsData(nn.Module):
    """A model = frozen `features` (no parameters, fitted by `fit_data`) followed by `head`."""

    head: nn.Module

    def fit_data(self, X: torch.Tensor, seed: int) -> None:
        """Set the frozen stage's data-dependent buffers from the training inputs, deterministically
        for a given seed."""
        raise NotImplementedError

    def features(self, X: torch.Tensor) -> torch.Tensor:
        """The frozen stage's output for all rows of X (no autograd, batched to bound memory)."""
        raise NotImplementedError
