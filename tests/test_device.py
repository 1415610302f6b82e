"""The device a command resolves (nas.device.resolve_device) and what comes with it on the CPU."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from nas.device import resolve_device


def test_resolving_a_device_flushes_subnormal_floats_so_decayed_weights_cost_no_time() -> None:
    """Weight decay leaves the weights of units that stopped learning subnormal (below 1.2e-38),
    which x86 CPUs compute on about ten times slower (benchmarks/denormals.py). Every command that
    trains or runs a model resolves its device, and from then on such values count as zero: a
    layer whose weights are all subnormal outputs its bias alone."""
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU cannot flush subnormal floats (torch.set_flush_denormal returned False)")
    layer = torch.nn.Linear(4, 2)
    with torch.no_grad():
        layer.weight.fill_(1e-40)
        layer.bias.fill_(0.0)
    x = torch.ones(3, 4)
    assert (layer(x) != 0).all()  # the CPU's default: subnormal values kept and computed on
    resolve_device("cpu")
    assert (layer(x) == 0).all()
    assert (torch.tensor([1e-40]) * 1.0).item() == 0.0


def test_a_process_that_resolves_its_device_first_flushes_in_every_thread_and_numpy_warns_nothing() -> None:
    """The flag belongs to a thread; torch's pool threads copy it when they start, so nas resolves
    the device before any parallel work (a search: before it loads data). Then a product computed
    by 2 threads is flushed in both halves, and numpy, whose float limits are measured before the
    flag is set, does not warn that float32 has no subnormal (with -W error that would fail)."""
    if not torch.set_flush_denormal(False):
        pytest.skip("this CPU cannot flush subnormal floats (torch.set_flush_denormal returned False)")
    code = ("from nas.device import resolve_device; resolve_device('cpu'); "
            "import numpy as np, torch, sklearn.preprocessing; torch.set_num_threads(2); "
            "t = torch.full((4_000_000,), 1e-40); print(int(((t * 1.0) != 0).sum())); print(np.finfo(np.float32).eps)")
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["0", "1.1920929e-07"]
