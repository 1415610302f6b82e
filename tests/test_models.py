"""Every architecture sampled from every shipped space builds, runs forward and backward with the
right output shape, no NaN, and a gradient for every parameter."""
from __future__ import annotations

import pytest
import torch

from nas.arch import Arch
from nas.errors import NasError
from nas.models import _layers, build_model, count_params, summarize
from nas.sample import random_archs
from nas.space import load_space, shipped_spaces
from nas.space import _schema

INPUTS = {"cnn": [(1, 8, 8), (3, 5, 7)], "rnn": [(8, 8), (3, 2)], "mlp": [(30,), (4, 5)],
          "conv1d": [(8, 8), (3, 2), (150, 1)], "rocket": [(8, 8), (3, 2), (150, 1)]}


def _cases() -> list:
    cases = []
    for name, path in sorted(shipped_spaces().items()):
        space = load_space(path)
        for i, arch in enumerate(random_archs(space, 12, seed=7)):
            for shape in INPUTS[arch.family]:
                cases.append(pytest.param(arch, shape, id=f"{name}-{i}-{arch.family}-{'x'.join(map(str, shape))}"))
    return cases


def test_every_family_is_sampled_by_the_shipped_spaces() -> None:
    """The cases above cover every family (the sequence space offers three: rocket, conv1d and rnn)."""
    families = {arch.family for path in shipped_spaces().values() for arch in random_archs(load_space(path), 12, seed=7)}
    assert families == set(_schema.FAMILIES) == set(INPUTS)


@pytest.mark.parametrize("arch, shape", _cases())
def test_sampled_architectures_train_one_step(arch: Arch, shape: tuple[int, ...]) -> None:
    torch.manual_seed(0)
    out_dim = 5
    model = build_model(arch, shape, out_dim)
    x = torch.randn(4, *shape)
    y = model(x)
    assert y.shape == (4, out_dim)
    assert torch.isfinite(y).all()
    torch.nn.functional.cross_entropy(y, torch.tensor([0, 1, 2, 3])).backward()
    missing = [n for n, p in model.named_parameters() if p.grad is None]
    assert not missing, f"parameters without gradient: {missing}"
    assert count_params(model) > 0
    assert summarize(arch)
    # the spec is plain JSON and rebuilds the same network
    again = build_model(Arch.from_dict(arch.to_dict()), shape, out_dim)
    assert count_params(again) == count_params(model)


def test_builder_vocabularies_match_the_schema() -> None:
    from nas.models import conv1d, rnn
    from nas.train import OPTIMIZERS, SCHEDULERS

    assert set(_layers.ACTIVATIONS) == set(_schema.ACTIVATIONS)
    assert set(_layers.NORMS_2D) == set(_layers.NORMS_1D) == set(_layers.NORMS_SEQ) == set(_schema.NORMS)
    assert set(_layers.POOLS_2D) == set(_layers.POOLS_SEQ) == set(_schema.POOLS)
    assert set(rnn.CELLS) == set(_schema.CELLS) and set(rnn.TIME_POOLS) == set(_schema.TIME_POOLS)
    assert set(conv1d.LAYERS) == set(_schema.CONV1D_KINDS) and set(conv1d.GLOBAL_POOLS) == set(_schema.GLOBAL_POOLS)
    assert set(OPTIMIZERS) == set(_schema.OPTIMIZERS) and set(SCHEDULERS) == set(_schema.SCHEDULERS)


def test_mlp_depth_zero_is_a_linear_model() -> None:
    arch = Arch("mlp", {"layers": []}, {})
    model = build_model(arch, (30,), 2)
    linear = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    assert len(linear) == 1 and count_params(model) == 30 * 2 + 2
    assert summarize(arch) == "linear"


def test_a_wide_mlp_adds_a_linear_function_of_its_inputs_and_nothing_at_depth_0() -> None:
    """`head.wide`: the output is the hidden layers' plus one linear layer's on the inputs; an arch
    without the key (stored before it existed) builds the plain network, as it was trained."""
    layers = [{"width": 8, "activation": "tanh"}]
    wide = build_model(Arch("mlp", {"layers": layers, "head": {"wide": True}}, {}), (4, 5), 3)
    plain = build_model(Arch("mlp", {"layers": layers}, {}), (4, 5), 3)
    assert count_params(wide) == count_params(plain) + 20 * 3 + 3
    x = torch.randn(6, 4, 5)
    assert torch.allclose(wide(x), wide.deep(x) + x.flatten(1) @ wide.wide.weight.T + wide.wide.bias)
    assert summarize(Arch("mlp", {"layers": layers, "head": {"wide": True}}, {})) == "fc8-tanh + linear"
    assert summarize(Arch("mlp", {"layers": layers}, {})) == "fc8-tanh"
    linear = build_model(Arch("mlp", {"layers": [], "head": {"wide": True}}, {}), (30,), 2)
    assert count_params(linear) == 30 * 2 + 2  # depth 0 is the linear model already


def test_cnn_summary_reads_like_the_architecture() -> None:
    arch = Arch("cnn", {"blocks": [{"channels": 32, "kernel": 3, "pool": "max"}, {"channels": 64, "kernel": 5}],
                        "head": {"hidden": 128}}, {})
    assert summarize(arch) == "conv32k3-maxpool | conv64k5 | fc128"


def test_family_input_mismatch_is_a_clear_error() -> None:
    arch = Arch("cnn", {"blocks": [{"channels": 4, "kernel": 3}]}, {})
    with pytest.raises(NasError, match=r"family cnn needs images \(C, H, W\) input, but the data has shape \(30,\)"):
        build_model(arch, (30,), 2)


@pytest.mark.parametrize("raw, message", [
    ([1, 2], "expected a JSON object"),
    ({"family": "transformer"}, "unknown family 'transformer'"),
    ({"family": "cnn", "version": 99}, "unsupported version 99"),
    ({"family": "cnn", "blocks": [], "evil": {}}, "unknown section 'evil'"),
])
def test_arch_from_dict_rejects_malformed_data(raw: object, message: str) -> None:
    with pytest.raises(NasError, match=message):
        Arch.from_dict(raw)
