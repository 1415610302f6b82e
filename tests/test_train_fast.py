"""The trainer's fast path keeps its contract: best weights restored and returned, divergence caught."""
from __future__ import annotations

import pytest


def _setup(task: str, dataset: str, body: dict, **train):  # noqa: ANN003, ANN202
    from nas.arch import Arch
    from nas.data import DataSpec, load_data
    from nas.models import build_model
    from nas.train import TrainConfig, seed_everything

    data = load_data(DataSpec(task=task, dataset=dataset))
    arch = Arch.from_dict({**body, "train": {"batch_size": 64, "epochs": 3, **train}})
    seed_everything(0)
    return build_model(arch, data.input_shape, data.out_dim), data, TrainConfig.from_arch(arch)


MLP = {"family": "mlp", "layers": [{"width": 16}]}


def test_fit_restores_and_returns_the_best_epochs_weights() -> None:
    import torch

    from nas.train import fit

    model, data, cfg = _setup("tabular", "wine", MLP, lr=0.05, epochs=4)
    result = fit(model, data, cfg, seed=0)
    assert result.best_value == max(result.curve) == result.curve[result.best_epoch]
    ties = [e for e, v in enumerate(result.curve) if v == result.best_value]  # ties: the lowest validation loss
    assert result.best_epoch == min(ties, key=lambda e: (result.loss_curve[e], e))
    live = model.state_dict()
    assert set(result.state) == set(live)
    for key, value in result.state.items():
        assert value.device.type == "cpu"
        assert torch.equal(value, live[key])
    with torch.no_grad():
        next(model.parameters()).add_(1.0)  # the returned weights are a snapshot, not the live tensors
    assert not torch.equal(result.state[next(iter(live))], model.state_dict()[next(iter(live))])


def test_diverging_loss_stops_the_trial_in_its_first_epoch() -> None:
    from nas.errors import DivergedError
    from nas.train import fit

    model, data, cfg = _setup("tabular", "diabetes", MLP, optimizer="sgd", lr=1e12)
    with pytest.raises(DivergedError, match=r"at epoch 1, step \d+"):
        fit(model, data, cfg)


@pytest.mark.parametrize("n, size, starts", [(129, 64, [0, 64]), (128, 64, [0, 64]), (130, 64, [0, 64, 128]), (2, 1, [0, 1])])
def test_a_trailing_batch_of_one_row_is_dropped(n: int, size: int, starts: list[int]) -> None:
    from nas.train import _batch_starts

    assert _batch_starts(n, size) == starts


def test_a_large_training_split_takes_larger_batches_not_more_steps() -> None:
    """At most MAX_STEPS_PER_EPOCH optimizer steps an epoch: breast_cancer's training rows train in
    the sampled batches of 16; the same rows repeated 100 times (34,100) in larger batches, still
    MAX_STEPS_PER_EPOCH steps."""
    from dataclasses import replace


    from nas.data._task import Split
    from torch.optim.optimizer import register_optimizer_step_post_hook

    from nas.train import MAX_STEPS_PER_EPOCH, fit

    for repeat in (1, 100):
        model, data, cfg = _setup("tabular", "breast_cancer", MLP, batch_size=16, epochs=1)
        rows = len(data.train) * repeat
        data = replace(data, train=Split(data.train.X.repeat(repeat, 1), data.train.y.repeat(repeat)))
        counted: list[int] = []
        handle = register_optimizer_step_post_hook(lambda *a: counted.append(1))
        try:
            fit(model, data, cfg, seed=0)
        finally:
            handle.remove()
        assert len(counted) == (-(-rows // 16) if repeat == 1 else MAX_STEPS_PER_EPOCH)
