"""Model fusion: K trained networks of one task wrapped as one module (`nas export --ensemble K`).

Classification averages the members' probabilities and returns the log of the average: softmax
of the output is then the averaged probabilities and its argmax the ensemble's class, so the
ensemble is a drop-in for a single model everywhere (metrics, predict, TorchScript, ONNX).
Regression averages the outputs.
"""
from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn


def _mean_probabilities(outs: torch.Tensor) -> torch.Tensor:
    """(K, B, C) logits -> (B, C) log of the mean probability, computed stably in log space."""
    return torch.logsumexp(torch.log_softmax(outs, dim=-1), dim=0) - math.log(outs.shape[0])


def _mean_outputs(outs: torch.Tensor) -> torch.Tensor:
    return outs.mean(dim=0)


# task kind -> how the members' outputs are combined
COMBINE: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "classification": _mean_probabilities,
    "regression": _mean_outputs,
}


class Ensemble(nn.Module):
    """Runs every member on the same batch and combines their outputs by the task's rule."""

    def __init__(self, members: list[nn.Module], kind: str) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.kind = kind
        self.combine = COMBINE[kind]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = torch.stack([member(x) for member in self.members])  # (K, B, out)
        return self.combine(outs)
