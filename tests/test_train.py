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


def test_keep_epoch_keeps_that_epoch_of_the_same_schedule(digits) -> None:
    """The fold ensemble's members: the weights at the trial's chosen epoch, on the schedule the
    search ran (a cosine schedule over 6 epochs stopped after the 3rd), not the best epoch's."""
    cfg = TrainConfig(lr=1e-2, epochs=6, batch_size=16, scheduler="cosine")
    full = fit(_model(digits), digits, cfg, seed=1)
    model = _model(digits)
    kept = fit(model, digits, cfg, seed=1, keep_epoch=2)
    assert kept.curve == full.curve[:3]  # the same trajectory, stopped there
    assert kept.best_epoch == 2 and kept.best_value == full.curve[2]
    assert score(model, digits.val, digits) == pytest.approx(full.curve[2])


def test_keep_epoch_under_patience_keeps_the_last_epoch_run(digits) -> None:
    """Patience stops a fold as in the search; the member is then its last epoch, whose value
    the ranking rule padded the fold's curve with (nas.search.selection)."""
    cfg = TrainConfig(lr=0.1, epochs=40, batch_size=16, patience=1)
    searched = fit(_model(digits), digits, cfg, seed=1)
    assert searched.stopped_epoch is not None and searched.stopped_epoch < 39
    model = _model(digits)
    kept = fit(model, digits, cfg, seed=1, keep_epoch=39)
    assert kept.curve == searched.curve and kept.best_epoch == searched.stopped_epoch
    assert score(model, digits.val, digits) == pytest.approx(searched.curve[-1])
