"""Ridge regression solved exactly, in float64: each step of a linear regression's regularisation path.

Why: a linear regression walks a path of weight decays (nas.sample.LINEAR_TRAIN), and each step's
optimum is a linear system, not a search. Full-batch L-BFGS in float32 reaches it on a
well-conditioned table but stops short on an ill-conditioned one: on Stat2Data CO2SouthPole (a
month count from year and month) two of the five fold models stopped near 1e-3, and the default
search shipped test RMSE 0.0012 against least squares' 4.9e-05; solved, 7.5e-06 (measures:
docs/benchmarks.md). A linear trial also trains 10-25x faster.

The solve is scikit-learn's ridge: centre the features and the target (the bias is not penalised),
then least squares on the features stacked over sqrt(alpha) times the identity, alpha = n wd / 2 for
the trainer's loss (mean squared error + wd/2 |W|^2). LAPACK's gelsd (SVD) keeps a rank-deficient
least-squares step (weight decay 0, a column that is a sum of others) at its minimum-norm solution,
as scikit-learn's LinearRegression. It runs on the CPU (tables are small; CUDA's lstsq has no SVD
driver) and writes the weights back in the model's dtype and device.

It applies to a model whose output is one nn.Linear layer's output plus something that does not
depend on that layer (an MLP of depth 0, or one wrapped to forecast changes: nas.models.forecast);
`solve_linear` checks that after writing the weights and otherwise restores them and says no, so
the trainer falls back to L-BFGS.
"""
from __future__ import annotations

import torch
from torch import nn

# The model's output after the solve must match the solved prediction to this share of the target's
# spread (float32 arithmetic on standardised data agrees to ~1e-6; a model that is not affine in its
# linear layer misses by the size of its signal).
AFFINE_TOLERANCE = 1e-3


def _only_linear(model: nn.Module) -> nn.Linear | None:
    """The model's one nn.Linear layer, when it holds every trainable parameter."""
    layers = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if len(layers) != 1 or layers[0].bias is None:
        return None
    own = {id(p) for p in layers[0].parameters()}
    return layers[0] if all(id(p) in own for p in model.parameters()) else None


@torch.no_grad()
def _features_and_offset(model: nn.Module, layer: nn.Linear, X: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """What the layer reads (n, F) and the rest of the model's output (n, out) for inputs X."""
    seen: list[torch.Tensor] = []
    handle = layer.register_forward_hook(lambda module, args, output: seen.append(args[0]))
    try:
        out = model(X)
    finally:
        handle.remove()
    features = seen[0].reshape(len(X), -1)
    return features, (out - layer(features)).reshape(len(X), -1)


def ridge_solution(features: torch.Tensor, target: torch.Tensor, weight_decay: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(weight (out, F), bias (out,)) in float64 minimising mean((f W^T + b - t)^2) + wd/2 |W|^2."""
    F_ = features.detach().to("cpu", torch.float64)
    T = target.detach().to("cpu", torch.float64).reshape(len(F_), -1)
    f_mean, t_mean = F_.mean(0), T.mean(0)
    A, B = F_ - f_mean, T - t_mean
    alpha = len(F_) * weight_decay / 2
    if alpha > 0:
        A = torch.cat([A, alpha**0.5 * torch.eye(A.shape[1], dtype=A.dtype)])
        B = torch.cat([B, torch.zeros(A.shape[1], B.shape[1], dtype=B.dtype)])
    W = torch.linalg.lstsq(A, B, driver="gelsd").solution  # (F, out)
    return W.T, t_mean - f_mean @ W


@torch.no_grad()
def solve_linear(model: nn.Module, X: torch.Tensor, y: torch.Tensor, weight_decay: float) -> bool:
    """Set `model`'s linear layer to the exact ridge optimum on (X, y) at `weight_decay`; False,
    with the model unchanged, when the model is not one linear layer plus a fixed offset."""
    layer = _only_linear(model)
    if layer is None or not y.is_floating_point():
        return False
    features, offset = _features_and_offset(model, layer, X)
    target = y.reshape(len(X), -1)
    if offset.shape != target.shape or layer.weight.shape != (target.shape[1], features.shape[1]):
        return False
    weight, bias = ridge_solution(features, target - offset, weight_decay)
    kept = layer.weight.clone(), layer.bias.clone()
    layer.weight.copy_(weight)
    layer.bias.copy_(bias)
    solved = (features.double().cpu() @ weight.T + bias + offset.double().cpu())
    spread = float(target.double().std()) if len(target) > 1 else 1.0
    miss = float((model(X).reshape(len(X), -1).double().cpu() - solved).abs().max())
    if miss <= AFFINE_TOLERANCE * max(spread, 1e-12):
        return True
    layer.weight.copy_(kept[0])
    layer.bias.copy_(kept[1])
    return False
