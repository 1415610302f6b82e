"""The trainer: learns, keeps the best epoch's weights, stops a diverging run at the first bad step."""
from __future__ import annotations

from collections.abc import Callable

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


def test_an_lbfgs_step_that_meets_a_non_finite_loss_is_undone_not_fatal(digits) -> None:
    """Full-batch L-BFGS: a line search that tries a step so long the network's outputs overflow
    (aeon's Uschange, an MLP at epoch 77) undoes that step and goes on from the last good point;
    only LBFGS_RETRIES such steps in a row fail the fit, with the reason. A model whose loss is
    not finite where a step starts is broken, and fails at once (test_train_regularize)."""
    from nas.train import LBFGS_RETRIES

    class Overflows(torch.nn.Sequential):
        """The wine MLP, whose outputs overflow on the `bad` calls of its training forward pass."""

        def __init__(self, inner: torch.nn.Module, bad: Callable[[int], bool]) -> None:
            super().__init__(*inner)
            self.calls, self.bad = 0, bad

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out = super().forward(x)
            if not self.training:  # validation passes: not the line search's
                return out
            self.calls += 1
            return out * float("inf") if self.bad(self.calls) else out

    cfg = TrainConfig(optimizer="lbfgs", weight_decay=1e-3, epochs=4)
    clean, ends = Overflows(_model(digits), bad=lambda call: False), []
    fit(clean, digits, cfg, seed=0, on_epoch=lambda epoch, value: ends.append(clean.calls))
    line_search = ends[0] + 2  # the second evaluation of epoch 2's step: a point its line search tried
    once = Overflows(_model(digits), bad=lambda call: call == line_search)
    result = fit(once, digits, cfg, seed=0)
    assert len(result.curve) == 4 and result.best_value > 0.8 and once.calls > line_search
    assert all(torch.isfinite(p).all() for p in once.parameters())
    always = Overflows(_model(digits), bad=lambda call: call % 2 == 0)  # every step's first line-search point
    with pytest.raises(DivergedError, match=rf"loss became (inf|nan) at epoch {LBFGS_RETRIES} \({LBFGS_RETRIES} L-BFGS steps"):
        fit(always, digits, TrainConfig(optimizer="lbfgs", epochs=10), seed=0)


def test_on_epoch_can_stop_training(digits) -> None:
    seen = []

    def stop(epoch: int, value: float) -> None:
        seen.append(epoch)
        if epoch == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(_model(digits), digits, TrainConfig(epochs=10), on_epoch=stop)
    assert seen == [0, 1]
