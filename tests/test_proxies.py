"""Training-free proxies (nas/proxies.py): finite, deterministic, side-effect free, every family."""
from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from nas.errors import UsageError
from nas.models import build_model
from nas.proxies import ACTIVATION_TYPES, PROXIES, get_proxy, naswot
from nas.sample import random_archs
from nas.space import load_space, shipped_space

SHAPES = {"image": (1, 8, 8), "sequence": (8, 8), "tabular": (6,)}


def _models(space: str, n: int = 4) -> list[tuple[Any, torch.nn.Module]]:
    out = []
    for i, arch in enumerate(random_archs(load_space(shipped_space(space)), n, seed=3)):
        torch.manual_seed(i)
        out.append((arch, build_model(arch, SHAPES[space], 3)))
    return out


def _batch(space: str, rows: int = 16) -> torch.Tensor:
    return torch.randn((rows, *SHAPES[space]), generator=torch.Generator().manual_seed(0))


@pytest.mark.parametrize("space", sorted(SHAPES))
@pytest.mark.parametrize("name", sorted(PROXIES))
def test_proxy_is_finite_and_repeats_on_a_model_built_with_the_same_seed(space: str, name: str) -> None:
    proxy, batch = get_proxy(name), _batch(space)
    for i, (arch, model) in enumerate(_models(space)):
        first = proxy(model, batch)
        torch.manual_seed(i)
        rebuilt = build_model(arch, SHAPES[space], 3)
        torch.manual_seed(123)  # the global generator's state at scoring time does not matter
        assert math.isfinite(first) and proxy(rebuilt, batch) == first == proxy(model, batch)


@pytest.mark.parametrize("name", sorted(PROXIES))
def test_proxy_leaves_the_model_and_the_global_generator_untouched(name: str) -> None:
    (arch, model), *_ = _models("image", 1)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    get_proxy(name)(model, _batch("image"))
    assert torch.equal(torch.rand(3), expected)
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_a_wider_network_has_more_parameters_and_a_richer_naswot_code() -> None:
    narrow = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    wide = torch.nn.Sequential(torch.nn.Linear(6, 256), torch.nn.ReLU(), torch.nn.Linear(256, 3))
    batch = _batch("tabular", 32)
    assert get_proxy("params")(wide, batch) == 6 * 256 + 256 + 256 * 3 + 3
    assert naswot(wide, batch) > naswot(narrow, batch)


def test_naswot_reads_the_units_of_a_recurrent_layer() -> None:
    """An RNN without activation modules still has codes: its states; more units, more distinct codes."""
    class Net(torch.nn.Module):
        def __init__(self, hidden: int) -> None:
            super().__init__()
            self.rnn, self.out = torch.nn.GRU(8, hidden, batch_first=True), torch.nn.Linear(hidden, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(self.rnn(x)[0][:, -1])

    torch.manual_seed(0)
    small, large = Net(1), Net(64)
    batch = _batch("sequence", 32)
    assert naswot(large, batch) > naswot(small, batch) + 10


def test_naswot_of_a_linear_model_uses_its_outputs_and_needs_two_rows() -> None:
    linear = torch.nn.Linear(6, 3)
    assert math.isfinite(naswot(linear, _batch("tabular")))
    with pytest.raises(UsageError, match="at least 2 inputs"):
        naswot(linear, _batch("tabular", 1))


def test_every_activation_of_the_builders_is_hooked_by_naswot() -> None:
    from nas.models._layers import ACTIVATIONS

    assert all(isinstance(make(), ACTIVATION_TYPES) for make in ACTIVATIONS.values())


def test_unknown_proxy_is_refused_with_the_known_names() -> None:
    with pytest.raises(UsageError, match="unknown proxy 'naswt'.*did you mean 'naswot'"):
        get_proxy("naswt")
