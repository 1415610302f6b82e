"""TorchScript and ONNX exports of sampled architectures of every family give PyTorch's outputs
on a batch size other than the traced one (the bundle's parity check, without a study)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from nas.arch import Arch
from nas.models import build_model
from nas.sample import random_archs
from nas.space import load_space, shipped_spaces

SHAPES = {"cnn": (1, 8, 8), "rnn": (8, 8), "mlp": (30,), "conv1d": (24, 2), "rocket": (24, 2)}
PER_FAMILY = 2
# Narrow versions of the reference conv1d networks: the same graph structure, quicker to trace
REFERENCES = [
    {"blocks": [{"channels": 8, "kernel": 8}, {"channels": 16, "kernel": 5}, {"channels": 8, "kernel": 3}]},  # FCN
    {"blocks": [{"channels": c, "kernel": 8, "convs": 3, "residual": True} for c in (8, 16, 16)]},  # ResNet
    {"blocks": [{"kind": "inception", "channels": 16, "kernel": 40, "convs": 3, "residual": True,
                 "dilation": 2, "pool": "max"}]},  # InceptionTime's module, dilated, pooled
]


def _cases() -> list:
    """The first PER_FAMILY sampled architectures of each family in the shipped spaces, plus the
    reference conv1d networks."""
    taken: dict[str, list[Arch]] = {}
    for path in shipped_spaces().values():
        for arch in random_archs(load_space(path), 30, seed=11):  # enough that each family of a choice gets PER_FAMILY
            if len(taken.setdefault(arch.family, [])) < PER_FAMILY:
                taken[arch.family].append(arch)
    taken.setdefault("conv1d", []).extend(Arch("conv1d", spec) for spec in REFERENCES)
    return [pytest.param(a, id=f"{family}-{i}") for family, archs in sorted(taken.items()) for i, a in enumerate(archs)]


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.parametrize("arch", _cases())
@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
def test_export_matches_pytorch_on_another_batch_size(arch: Arch, fmt: str, tmp_path: Path) -> None:
    from nas.ship.export import ARTEFACTS, PARITY_TOLERANCE, TRACE_ROWS

    shape = SHAPES[arch.family]
    torch.manual_seed(0)
    model = build_model(arch, shape, 3).eval()
    artefact = ARTEFACTS[fmt]
    artefact.save(model, torch.randn(TRACE_ROWS, *shape), tmp_path / artefact.file)
    X = torch.randn(7, *shape)
    with torch.no_grad():
        want = model(X).numpy()
    got = artefact.run(tmp_path / artefact.file, X)
    assert got.shape == want.shape and np.abs(got - want).max() <= PARITY_TOLERANCE
