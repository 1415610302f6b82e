"""Training-free proxies: score an untrained model in milliseconds, higher = expected to train better.

A proxy takes a built, untrained model and one batch of inputs (B, ...) on the model's device and
returns a finite float; it must not change the model or draw random numbers, so a model built
after `torch.manual_seed(s)` scores the same every time. nas.search.prescreen scores candidates with one.

Kept: `params`, the number of parameters. benchmarks/proxies.py measured it against two
published proxies, synflow (Tanaka et al. 2020; Abdelfattah et al. 2021) and NASWOT (Mellor et
al. 2021), by Spearman rank correlation with trained validation accuracy over random
architectures of the shipped spaces, two draws of 30-36 each (issue 13):

    benchmark                          params   naswot   synflow   (pooled over both draws)
    digits, image space (CNN)          +0.73    +0.27    +0.55
    MNIST-1D, tabular space (MLP)      +0.68    +0.68    +0.53
    MNIST-1D, sequence space (RNN)     +0.24    +0.08    -0.09     (8 epochs; 3 epochs: +0.14 +0.17 -0.05)

NASWOT and synflow never beat the parameter count, which is free, while they take 3-60 ms per
model; on the RNN space NASWOT's sign even flipped between the two draws (+0.47 and -0.39). They
were left out; their code stays in the benchmark so that the comparison can be rerun.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from nas.errors import UsageError, nearest
from nas.models import count_params


def param_count(model: nn.Module, batch: torch.Tensor) -> float:
    """The number of parameters (the batch is not used)."""
    return float(count_params(model))


Proxy = Callable[[nn.Module, torch.Tensor], float]
PROXIES: dict[str, Proxy] = {"params": param_count}
DEFAULT_PROXY = "params"


def get_proxy(name: str) -> Proxy:
    """A proxy by name; UsageError lists the known names."""
    if name not in PROXIES:
        raise UsageError(f"--proxy: unknown proxy '{name}'{nearest(name, PROXIES)}")
    return PROXIES[name]
