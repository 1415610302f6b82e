"""Training-free proxies: score an untrained model in milliseconds, higher = expected to train better.

Each proxy takes a built, untrained model and one batch of inputs (B, ...) on the model's device
and returns a finite float. None of them changes the model (`naswot` runs a copy),
and none draws random numbers, so a model built after `torch.manual_seed(s)` scores the same
every time.

- `params`: the number of trainable parameters (zero-cost NAS papers found it hard to beat).
- `naswot` (Mellor et al. 2021, "Neural Architecture Search without Training"): the binary code
  of each input is which units are active (pre-activation > 0 at every activation module, state
  > 0 at every recurrent layer's output; the model's output when it has neither, e.g. a linear
  model); K[i, j] counts the units on which inputs i and j agree, and the score is log det(K + I)
  (the identity keeps K non-singular when two inputs share a code). Batch norm in training mode
  as in the original, dropout off.

benchmarks/proxies.py measures how well each ranks trained validation accuracy (Spearman, 30-36
random architectures per benchmark, issue 13): `params` +0.70 on digits (CNN), `naswot` +0.43 on
MNIST-1D sequences (RNN) where `params` was not significant, both about +0.6 on MNIST-1D MLPs.
synflow was measured too and dropped: below `params` on every benchmark and 10-100x slower; its
code stays in the benchmark so the comparison can be rerun.
"""
from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import nn

from nas.errors import UsageError, nearest
from nas.models import count_params

# Module types whose input is a pre-activation (the names of nas.models._layers.ACTIVATIONS).
ACTIVATION_TYPES: tuple[type[nn.Module], ...] = (
    nn.ReLU, nn.GELU, nn.SiLU, nn.Tanh, nn.ELU, nn.LeakyReLU, nn.Hardswish,
)


def param_count(model: nn.Module, batch: torch.Tensor) -> float:
    """Trainable parameters (the batch is not used)."""
    return float(count_params(model))


def _unit_hooks(net: nn.Module, codes: list[torch.Tensor]) -> list[torch.utils.hooks.RemovableHandle]:
    """Hooks that append each batch row's active units (as 0/1, flattened) to `codes`."""
    def pre(module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
        codes.append((args[0] > 0).flatten(1).double())

    def post(module: nn.Module, args: tuple[torch.Tensor, ...], out: tuple[torch.Tensor, ...]) -> None:
        codes.append((out[0] > 0).flatten(1).double())  # (B, T, hidden * directions)

    hooks = [m.register_forward_pre_hook(pre) for m in net.modules() if isinstance(m, ACTIVATION_TYPES)]
    hooks += [m.register_forward_hook(post) for m in net.modules() if isinstance(m, nn.RNNBase)]
    return hooks


@torch.no_grad()
def naswot(model: nn.Module, batch: torch.Tensor) -> float:
    """log det of the binary-code kernel of one batch (see the module docstring)."""
    if batch.shape[0] < 2:
        raise UsageError(f"naswot: needs a batch of at least 2 inputs, got {batch.shape[0]}")
    net = copy.deepcopy(model).train()
    for m in net.modules():
        if isinstance(m, (nn.Dropout, nn.RNNBase)):
            m.eval()  # deterministic: no dropout (an RNN's train mode only adds dropout)
    codes: list[torch.Tensor] = []
    hooks = _unit_hooks(net, codes)
    try:
        out = net(batch)
    finally:
        for h in hooks:
            h.remove()
    c = torch.cat(codes, dim=1) if codes else (out > 0).flatten(1).double()
    k = c @ c.T + (1 - c) @ (1 - c).T  # agreements between every two inputs
    k = k + torch.eye(k.shape[0], dtype=k.dtype, device=k.device)
    return float(torch.linalg.slogdet(k)[1])


Proxy = Callable[[nn.Module, torch.Tensor], float]
PROXIES: dict[str, Proxy] = {"params": param_count, "naswot": naswot}


def get_proxy(name: str) -> Proxy:
    """A proxy by name; UsageError lists the known names."""
    if name not in PROXIES:
        raise UsageError(f"--proxy: unknown proxy '{name}'{nearest(name, PROXIES)}")
    return PROXIES[name]
