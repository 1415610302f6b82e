"""Training-free proxies: the one nas.search.proxies keeps, and the candidates benchmarks/proxies.py measures
(finite, deterministic, side-effect free, on every family), since its table rests on them."""
from __future__ import annotations

import math
from typing import Any

import pytest
import torch

from benchmarks.proxies import candidates, naswot, synflow
from nas.errors import UsageError
from nas.models import build_model
from nas.search.proxies import DEFAULT_PROXY, PROXIES, get_proxy
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
@pytest.mark.parametrize("name", sorted(candidates()))
def test_proxy_is_finite_and_repeats_on_a_model_built_with_the_same_seed(space: str, name: str) -> None:
    proxy, batch = candidates()[name], _batch(space)
    for i, (arch, model) in enumerate(_models(space)):
        first = proxy(model, batch)
        torch.manual_seed(i)
        rebuilt = build_model(arch, SHAPES[space], 3)
        torch.manual_seed(123)  # the global generator's state at scoring time does not matter
        assert math.isfinite(first) and proxy(rebuilt, batch) == first == proxy(model, batch)


@pytest.mark.parametrize("name", sorted(candidates()))
def test_proxy_leaves_the_model_and_the_global_generator_untouched(name: str) -> None:
    (arch, model), *_ = _models("image", 1)
    model.train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    candidates()[name](model, _batch("image"))
    assert torch.equal(torch.rand(3), expected)
    assert model.training and all(torch.equal(before[k], v) for k, v in model.state_dict().items())


def test_the_kept_proxy_counts_parameters_and_is_the_default() -> None:
    wide = torch.nn.Sequential(torch.nn.Linear(6, 256), torch.nn.ReLU(), torch.nn.Linear(256, 3))
    assert get_proxy("params")(wide, _batch("tabular")) == 6 * 256 + 256 + 256 * 3 + 3
    assert DEFAULT_PROXY in PROXIES and set(PROXIES) <= set(candidates())


def test_a_wider_network_has_more_synflow_and_a_richer_naswot_code() -> None:
    narrow = torch.nn.Sequential(torch.nn.Linear(6, 4), torch.nn.ReLU(), torch.nn.Linear(4, 3))
    wide = torch.nn.Sequential(torch.nn.Linear(6, 256), torch.nn.ReLU(), torch.nn.Linear(256, 3))
    batch = _batch("tabular", 32)
    assert synflow(wide, batch) > synflow(narrow, batch)
    assert naswot(wide, batch) > naswot(narrow, batch)


def test_naswot_reads_the_units_of_a_recurrent_layer_and_the_outputs_of_a_linear_model() -> None:
    class Net(torch.nn.Module):  # no activation module: only the GRU's states are units
        def __init__(self, hidden: int) -> None:
            super().__init__()
            self.rnn, self.out = torch.nn.GRU(8, hidden, batch_first=True), torch.nn.Linear(hidden, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.out(self.rnn(x)[0][:, -1])

    torch.manual_seed(0)
    batch = _batch("sequence", 32)
    assert naswot(Net(64), batch) > naswot(Net(1), batch) + 10
    assert math.isfinite(naswot(torch.nn.Linear(6, 3), _batch("tabular")))


def test_unknown_proxy_is_refused_with_the_known_names() -> None:
    with pytest.raises(UsageError, match="unknown proxy 'param'.*did you mean 'params'"):
        get_proxy("param")
