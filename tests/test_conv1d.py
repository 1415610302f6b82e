"""The conv1d family: FCN, ResNet and Inception expressed as specs, lengths kept by "same"
padding for odd and even kernels, kernels clipped to short series, forecasting windows."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from nas.arch import Arch
from nas.models import build_model, count_params, summarize
from nas.models.conv1d import Block, Inception, fit_kernel

FCN = {"blocks": [{"channels": 128, "kernel": 8}, {"channels": 256, "kernel": 5}, {"channels": 128, "kernel": 3}],
       "head": {"pool": "avg"}}
RESNET = {"blocks": [{"channels": c, "kernel": 8, "convs": 3, "residual": True} for c in (64, 128, 128)]}
INCEPTION = {"blocks": [{"kind": "inception", "channels": 128, "kernel": 40, "convs": 3, "residual": True}] * 2}


def test_fcn_is_three_bias_free_convs_with_batch_norm_and_a_linear_head() -> None:
    model = build_model(Arch("conv1d", FCN), (150, 1), 2)
    convs = [m for m in model.modules() if isinstance(m, nn.Conv1d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs] == [(1, 128, 8), (128, 256, 5), (256, 128, 3)]
    assert sum(isinstance(m, nn.BatchNorm1d) for m in model.modules()) == 3
    weights = 1 * 128 * 8 + 128 * 256 * 5 + 256 * 128 * 3
    norms = 2 * (128 + 256 + 128)
    assert count_params(model) == weights + norms + 128 * 2 + 2
    assert summarize(Arch("conv1d", FCN)) == "conv1d 128k8 | 256k5 | 128k3 | gavg"


def test_resnet_blocks_add_a_projected_shortcut_only_where_widths_change() -> None:
    model = build_model(Arch("conv1d", RESNET), (64, 3), 4)
    blocks = [m for m in model.modules() if isinstance(m, Block)]
    assert [isinstance(b.shortcut, nn.Identity) for b in blocks] == [False, False, True]
    assert sum(isinstance(m, nn.Conv1d) for m in blocks[0].body.modules()) == 3
    assert summarize(Arch("conv1d", RESNET)).startswith("conv1d 64k8x3-res | 128k8x3-res")


def test_inception_runs_kernels_k_k2_k4_and_a_pool_branch_into_the_asked_width() -> None:
    model = build_model(Arch("conv1d", INCEPTION), (100, 2), 3)
    first = next(m for m in model.modules() if isinstance(m, Inception))
    kernels = [next(c for c in b.modules() if isinstance(c, nn.Conv1d)).kernel_size[0] for b in first.branches]
    assert kernels == [40, 20, 10] and first.out_channels == 128
    assert model(torch.randn(2, 100, 2)).shape == (2, 3)


@pytest.mark.parametrize("kernel, dilation", [(8, 1), (5, 1), (4, 3), (3, 2), (1, 1)])
def test_same_padding_keeps_the_length_for_odd_and_even_kernels(kernel: int, dilation: int) -> None:
    block = Block(2, {"channels": 4, "kernel": kernel, "dilation": dilation}, steps=30)
    assert block(torch.randn(3, 2, 30)).shape == (3, 4, 30)


def test_kernels_are_clipped_to_the_series_and_pooling_stops_at_one_step() -> None:
    assert fit_kernel(40, 1, 24) == (24, 1) and fit_kernel(3, 4, 5) == (3, 2) and fit_kernel(8, 2, 1) == (1, 1)
    spec = {"blocks": [{"channels": 4, "kernel": 8, "dilation": 4, "pool": "max"}] * 4}
    model = build_model(Arch("conv1d", spec), (3, 2), 2)
    blocks = [m for m in model.modules() if isinstance(m, Block)]
    assert [b.steps_out for b in blocks] == [1, 1, 1, 1]  # 3 -> 1, then pooling is skipped
    assert max(m.kernel_size[0] for m in model.modules() if isinstance(m, nn.Conv1d)) == 3
    assert model(torch.randn(5, 3, 2)).shape == (5, 2)


def test_forecasting_windows_train_a_conv1d_regressor() -> None:
    """Regression on windows of a series (`--window`): one output, the loss goes down."""
    from nas.data import Series, prepare, series_raw
    from nas.train import TrainConfig, fit

    t = torch.arange(400, dtype=torch.float32)
    values = torch.stack([torch.sin(t / 6), torch.cos(t / 11)], dim=1).numpy()
    data = prepare(series_raw(Series(values, ["a", "b"], "a", "waves"), 12), "waves", "sequence", 0)
    arch = Arch("conv1d", {"blocks": [{"channels": 8, "kernel": 5}, {"channels": 8, "kernel": 3, "residual": True}],
                           "head": {"pool": "avg"}}, {"lr": 3e-3, "batch_size": 32, "epochs": 4})
    model = build_model(arch, data.input_shape, data.out_dim)
    result = fit(model, data, TrainConfig.from_arch(arch), seed=0)
    assert data.kind == "regression" and data.metric == "rmse" and data.input_shape == (12, 2)
    assert result.curve[-1] < result.curve[0]  # validation RMSE falls


def test_flops_count_every_convolution_and_the_head_at_two_per_multiply_add() -> None:
    from nas.search.costs import count_flops

    model = build_model(Arch("conv1d", FCN), (150, 1), 2)
    multiply_adds = 150 * (1 * 128 * 8 + 128 * 256 * 5 + 256 * 128 * 3) + 128 * 2
    assert count_flops(model, (150, 1)) == 2 * multiply_adds
