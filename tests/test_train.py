"""The trainer: learns, keeps the best epoch's weights, stops a diverging run at the first bad step."""
from __future__ import annotations

import pytest
import torch

from nas.arch import Arch
from nas.data import DataSpec, load_data
from nas.errors import DivergedError
from nas.metrics import score
from nas.models import build_model
from nas.train import TrainConfig, fit, seed_everything


@pytest.fixture(scope="module")
def digits():
    return load_data(DataSpec(task="tabular", dataset="wine"))


def _model(data, depth=1):
    seed_everything(0)
    arch = Arch("mlp", {"layers": [{"width": 16}] * depth}, {})
    return build_model(arch, data.input_shape, data.out_dim)


def test_fit_learns_and_restores_the_best_epoch(digits) -> None:
    model = _model(digits)
    result = fit(model, digits, TrainConfig(lr=1e-2, epochs=5, batch_size=16), seed=1)
    assert len(result.curve) == 5 and result.best_value == max(result.curve)
    assert result.curve[result.best_epoch] == result.best_value
    assert score(model, digits.val, digits) == pytest.approx(result.best_value)
    assert result.best_value > 0.8


def test_same_seed_gives_the_same_curve(digits) -> None:
    a = fit(_model(digits), digits, TrainConfig(epochs=2, batch_size=16), seed=3)
    b = fit(_model(digits), digits, TrainConfig(epochs=2, batch_size=16), seed=3)
    assert a.curve == b.curve


def test_divergence_stops_at_first_bad_step(digits) -> None:
    model = _model(digits, depth=0)
    with torch.no_grad():
        model[-1].weight.fill_(float("nan"))
    with pytest.raises(DivergedError, match=r"loss became nan at epoch 1, step 1"):
        fit(model, digits, TrainConfig(epochs=3), seed=0)


def test_on_epoch_can_stop_training(digits) -> None:
    seen = []

    def stop(epoch: int, value: float) -> None:
        seen.append(epoch)
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(_model(digits), digits, TrainConfig(epochs=10), on_epoch=stop)
    assert seen == [0, 1]
