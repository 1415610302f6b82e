"""Rocket family: MiniRocket's frozen random convolutions, PPV pooling, and a trained linear head.

MiniRocket (Dempster et al. 2021) convolves a series with 84 fixed kernels of length 9 (weights
-1, with 2 at three of the nine positions: every choice of three) at dilations spread
exponentially up to about the series length, and pools each output into the proportion of
positive values (PPV) of `conv - bias` for several biases. The biases are quantiles of the
convolution of a random training series, so the stage is fitted to data but never trained.
Its features, standardised on the training split, feed a trainable head (a linear layer, or one
hidden layer) that the usual trainer fits: full-batch L-BFGS suits the convex linear case.

Details as in aeon's MiniRocket: `features // 84` features per kernel, shared among at most
`max_dilations` dilations 2^(0..log2((T-1)/8)) (floored, duplicates merged, their features
added together); quantiles at the golden-ratio sequence; half of the kernels, alternately, pool
over the whole "same"-padded output and half only over the steps the kernel covers without
padding. `max: true` adds the maximum of each convolution (84 per dilation, MultiRocket-style).
Multivariate input (B, T, C): each kernel at each dilation sums its convolution over a random
subset of 1 to min(C, 9) channels (subset sizes log-uniform, MiniRocket's rule), drawn once
from a fixed seed when the model is built, so a spec and input shape always give the same
kernels. The biases depend on the training data and on the trial's seed (which series each
kernel's quantiles come from); `fit_data` sets them and the feature scales, all in buffers.

Exactness: a PPV feature counts comparisons `conv > bias`, and biases are quantiles of convolution
values, so on data with repeated values (pixels, rounded readings) many outputs equal a bias
exactly, and a last-bit difference between two convolution routines (PyTorch's, ONNX Runtime's)
flips them: the export parity check failed on digits by 0.14. The stage therefore rounds each
series to a grid of 2^-16 times the power of two at or above its own largest magnitude (`_grid`);
with weights -1 and 2 every convolution output is then an integer number of that series' steps
below 2^24, exact in float32 in any summation order, whatever the input. The grid is finer than
1e-5 of each series' range. It is the series' own, not the training split's: PLAID's currents span
1.8e-4 to 460 amperes, and one grid for all rounded a tenth of its series to zeros (MiniRocket with
a ridge classifier: test 0.75, aeon's own 0.88; docs/benchmarks.md, 2026-12-05 19:15 UTC on).
CUDA's bf16 autocast is switched off for the stage.
"""
from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from nas.models._frozen import FitsData
from nas.models._layers import head

KERNEL_LENGTH = 9
N_KERNELS = 84  # 9 choose 3
MAX_CHANNELS = 9  # most channels one kernel combines (MiniRocket)
# Rows per pass: B * 84 * T convolution outputs at most. On the CPU, few enough for a core's L2
# cache: each output is compared with every bias of its kernel, pass after pass, and from cache
# those passes cost a quarter (2026-12-05, 10,000 features, bitwise the same: 104 x 2,000 steps
# 7.3 -> 1.8 s, 200 x 1,460 2.9x, 300 x 150 1.4x, 1,000 x 24 the same); on a GPU, as many as
# memory allows.
CHUNK_ELEMENTS = {"cpu": 1 << 20, "cuda": 1 << 24}
GRID_BITS = 16  # input grid: 2^-16 of the power of two at or above a series' largest magnitude
# the powers of two a series' grid is read from (float32 normals); magnitudes beyond are clamped
GRID_RANGE = (-100, 100)
COMBINATION_SEED = 0


# The constants below are built in NumPy and turned into tensors by torch.tensor, which follows
# the default device: `nas validate` builds models on the meta device to count parameters.
def kernel_weights() -> np.ndarray:
    """(84, 9): -1 everywhere, 2 at the three positions of each 3-subset of 0..8."""
    w = np.full((N_KERNELS, KERNEL_LENGTH), -1.0, dtype=np.float32)
    for k, positions in enumerate(combinations(range(KERNEL_LENGTH), 3)):
        w[k, list(positions)] = 2.0
    return w


def plan_dilations(steps: int, features: int, max_dilations: int) -> list[tuple[int, int]]:
    """[(dilation, PPV features per kernel at it)] for a series of `steps` (aeon's _fit_dilations)."""
    per_kernel = max(1, features // N_KERNELS)
    n = min(per_kernel, max_dilations)
    top = max(0.0, math.log2(max(steps - 1, 1) / (KERNEL_LENGTH - 1)))
    dilations, counts = np.unique(np.logspace(0, top, n, base=2).astype(np.int64), return_counts=True)
    counts = (counts * (per_kernel / n)).astype(np.int64)
    for i in range(per_kernel - int(counts.sum())):  # the remainder, one each from the smallest
        counts[i % len(counts)] += 1
    return [(int(d), int(c)) for d, c in zip(dilations, counts)]


def _powers_of_two() -> np.ndarray:
    """2^GRID_RANGE[0] .. 2^GRID_RANGE[1], the grids' scales (exact in float32)."""
    return np.ldexp(1.0, np.arange(GRID_RANGE[0], GRID_RANGE[1] + 1))


def golden_quantiles(n: int) -> torch.Tensor:
    """The low-discrepancy sequence (i * golden ratio) mod 1, i = 1..n, where biases are read."""
    return torch.tensor([(i * (math.sqrt(5) + 1) / 2) % 1 for i in range(1, n + 1)], dtype=torch.float64)


def _channel_masks(channels: int, combos: int) -> np.ndarray:
    """(combos, channels) 0/1: which channels each kernel at each dilation sums over."""
    rng = np.random.default_rng(COMBINATION_SEED)
    most = min(channels, MAX_CHANNELS)
    sizes = (2 ** rng.uniform(0, math.log2(most + 1), combos)).astype(np.int64).clip(1, most)
    mask = np.zeros((combos, channels), dtype=np.float32)
    for row, size in enumerate(sizes):
        mask[row, rng.choice(channels, size, replace=False)] = 1.0
    return mask


def _pooled_steps(steps: int, dilation: int, index: int) -> tuple[int, np.ndarray]:
    """(pad, which of the 84 kernels pool only over the unpadded steps [pad, T - pad)): alternate
    kernels, starting with the second at even dilation indices (aeon's rule); none when no step is
    free of padding."""
    pad = (KERNEL_LENGTH - 1) * dilation // 2
    if steps - 2 * pad < 1:
        return 0, np.zeros(N_KERNELS, dtype=bool)
    return pad, (index + np.arange(N_KERNELS)) % 2 == 1


def _row_quantiles(values: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """(K, T) values, (K, f) quantile levels -> (K, f), linear interpolation as numpy's default."""
    s = values.sort(dim=1).values
    pos = q.to(s.dtype) * (s.shape[1] - 1)
    lo, hi = pos.floor().long(), pos.ceil().long()
    frac = pos - lo.to(s.dtype)
    return s.gather(1, lo) * (1 - frac) + s.gather(1, hi) * frac


def _traced() -> bool:
    """Whether the forward pass is being traced (TorchScript, ONNX export): one pass over the
    batch then, so the graph keeps a free batch size instead of a loop unrolled for the example's."""
    return torch.jit.is_tracing() or torch.onnx.is_in_onnx_export() or torch.compiler.is_compiling()


class MiniRocket(nn.Module):
    """The frozen stage: (B, T, C) -> (B, features) standardised PPV (and max) features."""

    def __init__(self, steps: int, channels: int, spec: dict[str, Any]) -> None:
        super().__init__()
        self.plan = plan_dilations(steps, int(spec.get("features", 10000)), int(spec.get("max_dilations", 32)))
        self.use_max = bool(spec.get("max", False))
        self.per_kernel = sum(count for _, count in self.plan)
        self.out_features = N_KERNELS * (self.per_kernel + (len(self.plan) if self.use_max else 0))
        # comparisons and averaging are invisible to torch's FLOP counter (nas.search.costs adds this)
        self.uncounted_flops = 2 * N_KERNELS * self.per_kernel * steps
        masks = _channel_masks(channels, len(self.plan) * N_KERNELS).reshape(len(self.plan), N_KERNELS, channels, 1)
        self.register_buffer("weight", torch.tensor(kernel_weights()[:, None, :] * masks))  # (dilations, 84, C, 9)
        self.register_buffer("biases", torch.zeros(N_KERNELS * self.per_kernel))
        self.register_buffer("mean", torch.zeros(self.out_features))
        self.register_buffer("scale", torch.ones(self.out_features))
        self.register_buffer("powers", torch.tensor(_powers_of_two(), dtype=torch.float32), persistent=False)
        window = np.ones((len(self.plan), N_KERNELS, steps), dtype=np.float32)  # the steps each PPV pools
        for i, (dilation, _) in enumerate(self.plan):
            pad, inner = _pooled_steps(steps, dilation, i)
            window[i, inner, :pad] = window[i, inner, steps - pad :] = 0.0
        self.register_buffer("window", torch.tensor(window), persistent=False)  # (dilations, 84, T) 0/1
        self.register_buffer("pooled", torch.tensor(window.sum(-1, keepdims=True)), persistent=False)

    def _convolve(self, x: torch.Tensor, index: int) -> torch.Tensor:  # (B, C, T) -> (B, 84, T)
        dilation = self.plan[index][0]
        return F.conv1d(x, self.weight[index], padding=(KERNEL_LENGTH - 1) * dilation // 2, dilation=dilation)

    def _ppv(self, c: torch.Tensor, b: torch.Tensor, i: int) -> torch.Tensor:
        """(B, 84, T) outputs, (84, f) biases -> (B, 84, f) PPV: the count of pooled steps above
        each bias (an integer, exact in float32) over the steps pooled. One bias at a time, so
        B * 84 * T comparisons are held at once however many biases; the loop is fixed by the
        spec, so traced graphs (TorchScript, ONNX) hold it unrolled. The steps a kernel does not
        pool are set to -inf once, above no bias, rather than each comparison multiplied by the window."""
        pooled = torch.where(self.window[i] > 0, c, -math.inf)
        counts = [(pooled > b[:, j : j + 1]).to(c.dtype).sum(-1) for j in range(b.shape[1])]
        return torch.stack(counts, dim=2) / self.pooled[i]

    def raw(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, T) -> (B, out_features) unstandardised. Per dilation: the PPV of each kernel at
        each of its biases, kernel-major (aeon's order), then with `max` each kernel's maximum.
        (Counting by sorting each output and searching the biases was measured slower on CPU.)"""
        biases = self.biases.split([N_KERNELS * count for _, count in self.plan])
        parts: list[torch.Tensor] = []
        for i, (_, count) in enumerate(self.plan):
            c = self._convolve(x, i)
            parts.append(self._ppv(c, biases[i].view(N_KERNELS, count), i).flatten(1))  # (B, 84 * count)
            if self.use_max:
                parts.append(c.amax(dim=-1))
        return torch.cat(parts, dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, T, C) -> (B, out_features)
        if x.is_cuda and torch.is_autocast_enabled("cuda"):  # exact float32 only (module doc)
            with torch.autocast("cuda", enabled=False):
                return self.forward(x.float())
        if _traced():
            return self._standardised(x)
        rows = max(1, CHUNK_ELEMENTS.get(x.device.type, CHUNK_ELEMENTS["cuda"]) // (N_KERNELS * max(1, x.shape[1])))
        return torch.cat([self._standardised(x[i : i + rows]) for i in range(0, x.shape[0], rows)]) \
            if x.shape[0] > rows else self._standardised(x)

    def _grid(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, C) -> (B, C, T) rounded to each series' grid (module doc). The power of two is
        picked by comparisons with a table of them, not by a logarithm, whose rounding at an exact
        power could differ between PyTorch and ONNX Runtime; the step is that power times
        2^-GRID_BITS, a sum with one non-zero term, exact. Dividing by a power of two is exact."""
        top = x.abs().amax(dim=(1, 2), keepdim=True).clamp(2.0 ** GRID_RANGE[0], 2.0 ** GRID_RANGE[1])  # (B, 1, 1)
        rung = (top > self.powers / 2) & (top <= self.powers)  # (B, 1, powers): one True per row
        step = (rung.to(x.dtype) * self.powers).sum(-1, keepdim=True) * 2.0**-GRID_BITS
        # in PyTorch's default layout: from the transposed view (strides (T, 1, 1) when C = 1) the
        # CPU convolution writes its output channels-last, and the PPV sums over time run 1.4x slower
        return (torch.round(x / step) * step).transpose(1, 2).clone(memory_format=torch.contiguous_format)

    def _standardised(self, x: torch.Tensor) -> torch.Tensor:
        return (self.raw(self._grid(x)) - self.mean) / self.scale

    def _load_from_state_dict(self, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        # models saved before each series had its own grid hold the training split's step: unused now
        state_dict.pop(prefix + "step", None)
        super()._load_from_state_dict(state_dict, prefix, *args)

    @torch.no_grad()
    def fit(self, X: torch.Tensor, seed: int) -> torch.Tensor:
        """Biases from quantiles of each kernel's output on a random training series, then the
        feature means and scales on the whole training split; returns that split's features."""
        x = self._grid(X.to(self.weight.dtype))
        gen = torch.Generator().manual_seed(int(seed))
        levels = golden_quantiles(N_KERNELS * self.per_kernel)
        fitted, start, diag = [], 0, torch.arange(N_KERNELS, device=x.device)
        for i, (_, count) in enumerate(self.plan):
            rows = torch.randint(x.shape[0], (N_KERNELS,), generator=gen).to(x.device)
            c = self._convolve(x[rows], i)[diag, diag]  # kernel k on its own random series: (84, T)
            q = levels[start : start + N_KERNELS * count].view(N_KERNELS, count).to(x.device)
            fitted.append(_row_quantiles(c, q).reshape(-1))
            start += N_KERNELS * count
        self.biases.copy_(torch.cat(fitted))
        self.mean.zero_()
        self.scale.fill_(1.0)
        z = self.transform(X)
        std = z.std(dim=0, unbiased=False)
        self.mean.copy_(z.mean(dim=0))
        self.scale.copy_(torch.where(std > 1e-6, std, torch.ones_like(std)))  # constant features -> 0
        return (z - self.mean) / self.scale  # = transform(X) now: z was (raw - 0) / 1

    @torch.no_grad()
    def transform(self, X: torch.Tensor) -> torch.Tensor:
        """forward() over all rows of X (in passes of CHUNK_ELEMENTS), without autograd."""
        return self(X) if len(X) else X.new_zeros((0, self.out_features))


class RocketNet(FitsData):
    """MiniRocket features -> head (optional hidden layer, dropout, linear)."""

    def __init__(self, sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> None:
        super().__init__()
        steps, channels = input_shape
        self.stage = MiniRocket(steps, channels, sections.get("rocket", {}))
        self.head = head(self.stage.out_features, out_dim, sections.get("head", {}))
        self._fitted_on: tuple[torch.Tensor, int, torch.Tensor] | None = None

    def fit_data(self, X: torch.Tensor, seed: int) -> None:
        # the fit computes the training features anyway; the trainer asks for them next (once)
        self._fitted_on = (X, X._version, self.stage.fit(X, seed))

    def features(self, X: torch.Tensor) -> torch.Tensor:
        cached, self._fitted_on = self._fitted_on, None
        if cached is not None and cached[0] is X and cached[1] == X._version:
            return cached[2]
        return self.stage.transform(X)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # x: (B, T, C)
        return self.head(self.stage(x))


def build(sections: dict[str, Any], input_shape: tuple[int, ...], out_dim: int) -> nn.Module:
    return RocketNet(sections, input_shape, out_dim)


def summarize(sections: dict[str, Any]) -> str:
    """`rocket 10000f-32d ppv+max | fc128`: features asked, most dilations, pooling, hidden layer."""
    spec, head_spec = sections.get("rocket", {}), sections.get("head", {})
    pooling = "ppv+max" if spec.get("max") else "ppv"
    text = f"rocket {spec.get('features', 10000)}f-{spec.get('max_dilations', 32)}d {pooling}"
    return text + (f" | fc{head_spec['hidden']}" if head_spec.get("hidden") else "")
