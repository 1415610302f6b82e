"""Model fusion: K trained networks of one task wrapped as one module (`nas export --ensemble K`,
the fold models of a final model, the weighted blend of nas.search.blend).

Classification averages the members' probabilities and returns the log of the average: softmax
of the output is then the averaged probabilities and its argmax the ensemble's class, so the
ensemble is a drop-in for a single model everywhere (metrics, predict, TorchScript, ONNX).
Regression averages the outputs. The average is weighted when weights are given (a blend of
trials whose weights ensemble selection chose); the weights are a constant of the module, not
state: a checkpoint holds only the members' weights.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


def _mean_probabilities(outs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """(K, B, C) logits, (K,) weights summing to 1 -> (B, C) log of the weighted mean probability,
    computed stably in log space."""
    return torch.logsumexp(torch.log_softmax(outs, dim=-1) + weights.log().view(-1, 1, 1), dim=0)


def _mean_outputs(outs: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    return (outs * weights.view(-1, 1, 1)).sum(dim=0)


# task kind -> how the members' outputs are combined, given the members' weights
COMBINE: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "classification": _mean_probabilities,
    "regression": _mean_outputs,
}


class Ensemble(nn.Module):
    """Runs every member on the same batch and combines their outputs by the task's rule."""

    def __init__(self, members: list[nn.Module], kind: str, weights: list[float] | None = None) -> None:
        """`weights`: one positive number per member (normalised to sum to 1); None: equal."""
        super().__init__()
        self.members = nn.ModuleList(members)
        self.kind = kind
        self.combine = COMBINE[kind]
        raw = torch.tensor(weights if weights is not None else [1.0] * len(members), dtype=torch.float32)
        if raw.shape != (len(members),) or not bool((raw > 0).all()):
            raise ValueError(f"an ensemble of {len(members)} members needs as many positive weights, got {weights}")
        self.register_buffer("weights", raw / raw.sum(), persistent=False)  # not in state_dict: checkpoints stay the members'

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = torch.stack([member(x) for member in self.members])  # (K, B, out)
        return self.combine(outs, self.weights.to(outs.dtype))
