"""Ensemble selection: which trials the final model averages, and with what weights.

Why: a search trains many good candidates and the ranking keeps one. On small data the one it
keeps is chosen within noise (the one-standard-error rule takes the simplest of several equally
good ones), and an average of different good models is steadier than any one of them. This is
Caruana et al.'s ensemble selection (ICML 2004), as AutoGluon's WeightedEnsemble and
auto-sklearn build it: greedy forward selection with replacement on held-out predictions.

How: every trained trial stores its kept models' outputs on the validation rows (out of fold
with cross-validation: each row predicted by the fold model that never saw it; nas.search.crossval).
Starting from rank 1 (the ranking's choice, counted once), each of `ROUNDS` rounds adds the one
candidate among the top `CANDIDATES` that most lowers the validation loss of the running
average (the mean cross-entropy of the averaged probabilities; for a regression, the mean
squared error of the averaged outputs); a trial's weight is the share of rounds that picked it.
When no addition helps, selection stops early, so the blend moves away from the ranking's
choice only while the held-out rows say it gains (rank 1 keeps at least 1/21 of the weight).
When only rank 1 is picked, the final model is rank 1's alone, as without this module.

Off by default (`nas search --blend` turns it on), by measurement (benchmarks/blend.py,
docs/model-selection.md): over 4 seeds of default searches on 9 small real sets, the blend
raised the mean test accuracy on UCR ArrowHead (+1.6 points) and GunPoint (+2.7), matched it on
ItalyPowerDemand, and moved regression RMSEs either way; but it never turned a loss to nas's
printed baseline into a win, and it turned 3 wins into a loss or a tie (ItalyPowerDemand's named
0.96 bar among them: 0.9631 -> 0.9543). Held-out predictions of 50-350 rows reward the
candidate that fits their noise as much as the one that generalises.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

ROUNDS = 20  # additions after rank 1: weights move in steps of 1/21
CANDIDATES = 10  # the ranking's top trials that may join


def _probabilities(outputs: torch.Tensor) -> torch.Tensor:
    return torch.softmax(outputs.float(), dim=-1)


def _values(outputs: torch.Tensor) -> torch.Tensor:
    return outputs.float().reshape(len(outputs), -1)


def _cross_entropy(average: torch.Tensor, y: torch.Tensor) -> float:
    picked = average[torch.arange(len(y)), y.long()]
    return float(-picked.clamp_min(1e-7).log().mean())


def _squared_error(average: torch.Tensor, y: torch.Tensor) -> float:
    return float(((average - y.float().reshape(len(y), -1)) ** 2).mean())


@dataclass(frozen=True)
class Averaged:
    """How one target kind's outputs are averaged and scored: what the Ensemble module averages
    (probabilities, values) and the loss the trials were trained and tie-broken on."""

    prepare: Callable[[torch.Tensor], torch.Tensor]  # raw outputs -> what is averaged
    loss: Callable[[torch.Tensor, torch.Tensor], float]  # (averaged, targets) -> lower is better


AVERAGED: dict[str, Averaged] = {
    "classification": Averaged(_probabilities, _cross_entropy),
    "regression": Averaged(_values, _squared_error),
}


def select(outputs: list[torch.Tensor], y: torch.Tensor, kind: str, rounds: int = ROUNDS) -> list[int]:
    """Greedy forward selection with replacement: how many times each candidate was picked.

    `outputs[0]` is rank 1's (picked once before the first round), the others follow by rank;
    every tensor holds the same validation rows, in the order of `y`."""
    how = AVERAGED[kind]
    prepared = [how.prepare(o) for o in outputs]
    counts = [1] + [0] * (len(prepared) - 1)
    total, current = prepared[0].clone(), how.loss(prepared[0], y)
    for _ in range(rounds):
        n = sum(counts)
        losses = [how.loss((total + p) / (n + 1), y) for p in prepared]
        best = min(range(len(losses)), key=lambda i: (losses[i], i))  # ties: the better-ranked candidate
        if losses[best] >= current:
            break  # no addition lowers the loss: stop where the blend is
        counts[best] += 1
        total, current = total + prepared[best], losses[best]
    return counts


def weights(counts: list[int]) -> list[float]:
    """The share of picks of every candidate picked at least once, in candidate order."""
    total = sum(counts)
    return [c / total for c in counts if c > 0]
