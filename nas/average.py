"""Weight averaging (the `ema` key of a space's `train` section): fit() evaluates and keeps the
average of a model's weights over its steps instead of the last step's weights (nas.train)."""
from __future__ import annotations

import copy

import torch
from torch import nn


class WeightAverage:
    """An exponential moving average of a model's weights, held in a copy of the model.

    The copy is what fit() evaluates and keeps. The average is bias-corrected, as Adam corrects
    its moments: after n steps each step's weights count (1-d) d^(n-k) / (1 - d^n), so the random
    initial weights never count and `decay` means the same from the first epoch. (The warm-up
    min(decay, (1+n)/(10+n)) of TensorFlow and timm stays below 0.99 for ~900 steps: longer than
    a whole fit on a small table, where it would make every decay alike.) Floating-point buffers
    (batch-norm statistics) are averaged too; integer ones are copied.
    """

    def __init__(self, model: nn.Module, decay: float) -> None:
        self.model = copy.deepcopy(model)
        self.decay, self.updates = decay, 0
        pairs = list(zip(self.model.state_dict().values(), model.state_dict().values()))
        self._float = [(a, b) for a, b in pairs if a.is_floating_point()]
        self._other = [(a, b) for a, b in pairs if not a.is_floating_point()]

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        weight = (1 - self.decay) / (1 - self.decay**self.updates)  # 1 at the first step: a copy
        if self._float:  # one fused kernel per step instead of one per tensor
            torch._foreach_lerp_([a for a, _ in self._float], [b for _, b in self._float], weight)
        for a, b in self._other:
            a.copy_(b)
