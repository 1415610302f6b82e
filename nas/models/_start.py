"""Models whose trainable weights start from the training data instead of at random.

The trainer (nas.train.build_seeded) calls `start_from` with the training split after building
and seeding the model, before the first epoch; every fold model and the refit start from their
own training rows. Unlike a frozen stage (nas.models._frozen) everything it sets is a trainable
weight, trained on from there, so checkpoints, export and predict need nothing more.
"""
from __future__ import annotations

import torch
from torch import nn


class StartsFromData(nn.Module):
    """A model with a data-dependent starting point."""

    def start_from(self, X: torch.Tensor, y: torch.Tensor) -> None:
        """Set the starting weights from the training inputs and targets, deterministically."""
        raise NotImplementedError
