"""The rocket family: MiniRocket's kernels, dilations and features (checked against aeon's own
transform with the same biases), a deterministic fit on training data kept in buffers, training of
the head alone, multivariate input, FLOPs, and exports that match PyTorch after the fit."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from nas.arch import Arch
from nas.models import FitsData, build_model, summarize
from nas.models.rocket import MiniRocket, kernel_weights, plan_dilations

SMALL = {"rocket": {"features": 336, "max_dilations": 8}}  # 4 features per kernel: quick


def _italy() -> tuple[np.ndarray, np.ndarray]:
    """ItalyPowerDemand's official train split as bundled with aeon: (67, 24, 1) float32, labels."""
    pytest.importorskip("aeon", reason="aeon (the UCR sets it bundles) is not installed")
    from aeon.datasets import load_italy_power_demand

    X, y = load_italy_power_demand(split="train")
    return X.transpose(0, 2, 1).astype(np.float32), y


def test_kernels_are_the_84_zero_sum_choices_of_three_positions() -> None:
    w = kernel_weights()
    assert w.shape == (84, 9) and len({tuple(row) for row in w}) == 84
    assert (w.sum(axis=1) == 0).all() and ((w == 2).sum(axis=1) == 3).all()


@pytest.mark.parametrize("steps, features, most", [(24, 10000, 32), (150, 10000, 32), (500, 2000, 8), (8, 840, 32)])
def test_dilations_match_aeon(steps: int, features: int, most: int) -> None:
    pytest.importorskip("aeon", reason="aeon is not installed")
    from aeon.transformations.collection.convolution_based._minirocket import _fit_dilations

    plan = plan_dilations(steps, features, most)
    if steps < 9:  # aeon refuses series shorter than a kernel; nas keeps dilation 1
        assert plan == [(1, features // 84)]
        return
    dilations, counts = _fit_dilations(steps, features, most)
    assert plan == list(zip(dilations.tolist(), counts.tolist()))


@pytest.mark.parametrize("use_max", [False, True])
def test_features_equal_aeons_transform_given_its_biases(use_max: bool) -> None:
    """With aeon's fitted biases copied in, the PPV features are aeon MiniRocket's own, in its order."""
    X, _ = _italy()
    from aeon.transformations.collection.convolution_based import MiniRocket as AeonMiniRocket

    aeon = AeonMiniRocket(n_kernels=840, random_state=0).fit(X.transpose(0, 2, 1))
    want = aeon.transform(X.transpose(0, 2, 1))
    stage = MiniRocket(24, 1, {"features": 840, "max": use_max})
    stage.biases.copy_(torch.from_numpy(aeon.parameters[-1]))
    got = stage.raw(torch.from_numpy(X).transpose(1, 2)).numpy()
    ppv = got if not use_max else np.concatenate(
        [block[:, :-84] for block in np.split(got, np.cumsum([84 * (c + 1) for _, c in stage.plan])[:-1], axis=1)],
        axis=1)
    assert ppv.shape == want.shape
    # equal up to float rounding where a bias sits on convolution values (a quantile is one of them):
    # a few comparisons of a few features flip, by 1/24 each
    assert (np.abs(ppv - want) < 1e-6).mean() > 0.999 and np.abs(ppv - want).max() <= 3 / 24 + 1e-6


def test_fit_is_deterministic_per_seed_and_standardises_the_training_features() -> None:
    X = torch.from_numpy(_italy()[0])
    model = build_model(Arch("rocket", SMALL), (24, 1), 2)
    assert isinstance(model, FitsData)
    model.fit_data(X, seed=3)
    again = build_model(Arch("rocket", SMALL), (24, 1), 2)
    again.fit_data(X, seed=3)
    other = build_model(Arch("rocket", SMALL), (24, 1), 2)
    other.fit_data(X, seed=4)
    assert torch.equal(model.stage.biases, again.stage.biases)
    assert not torch.equal(model.stage.biases, other.stage.biases)
    z = model.features(X)  # the fit's own features, handed over once
    assert torch.equal(z, model.features(X)) and torch.equal(z, model.stage(X))
    assert z.shape == (67, 336) and not z.requires_grad
    varying = model.stage.scale != 1
    assert varying.sum() > 300 and z.mean(0).abs().max() < 1e-4
    assert torch.allclose(z.std(0, unbiased=False)[varying], torch.ones(int(varying.sum())), atol=1e-4)


def test_series_far_smaller_than_the_largest_keep_their_shape() -> None:
    """Each series is rounded to its own grid: where currents span 1e-6 to 1e3 (PLAID: 1.8e-4 to
    460), the small series are not rounded to zeros and told apart, however large the largest."""
    X = torch.from_numpy(_italy()[0]) * 1e-6
    X[0] *= 1e9  # one series of ~1e3
    stage = MiniRocket(24, 1, {"features": 840})
    features = stage.fit(X, seed=0)
    distinct = {tuple(row) for row in features[1:].round(decimals=4).tolist()}
    assert len(distinct) > 60  # 66 small series; rounded to one grid for all they were one row of zeros


def test_rows_are_convolved_in_cache_sized_passes_with_the_same_features(monkeypatch) -> None:
    """A batch larger than a pass (CHUNK_ELEMENTS) is cut into passes with bitwise the same
    features; a traced model (TorchScript, as ONNX export traces it) makes one pass, so its
    graph takes any batch size."""
    from nas.models import rocket

    X = torch.from_numpy(_italy()[0])
    model = build_model(Arch("rocket", SMALL), (24, 1), 2)
    model.fit_data(X, seed=0)
    with torch.no_grad():
        whole = model(X)
        monkeypatch.setattr(rocket, "CHUNK_ELEMENTS", {"cpu": rocket.N_KERNELS * 24 * 5, "cuda": 1})  # 5 rows a pass
        calls: list[int] = []
        monkeypatch.setattr(model.stage, "raw", lambda x, raw=model.stage.raw: calls.append(x.shape[0]) or raw(x))
        assert torch.equal(model(X), whole) and calls == [5] * 13 + [2]
        traced = torch.jit.trace(model, X[:7], check_trace=False)
        assert calls[-1] == 7 and torch.equal(traced(X), whole)


def test_training_changes_the_head_only_and_the_state_rebuilds_the_model() -> None:
    from nas.data import Split, TaskData
    from nas.train import train_arch

    X, y = _italy()
    labels = torch.from_numpy((y == y[0]).astype(np.int64))
    Xt = torch.from_numpy(X)
    data = TaskData("italy", "sequence", "classification", (24, 1), 2, Split(Xt[:50], labels[:50]),
                    Split(Xt[50:], labels[50:]), Split(Xt[50:], labels[50:]))
    arch = Arch("rocket", SMALL, {"optimizer": "lbfgs", "weight_decay": 0.01, "epochs": 2})
    model, result = train_arch(arch, data, seed=0, device="cpu")
    fresh = build_model(arch, (24, 1), 2)
    fresh.fit_data(data.train.X, seed=0)
    assert torch.equal(model.stage.biases, fresh.stage.biases)  # the fit is the build's, not training's
    assert not torch.equal(model.head[-1].weight, fresh.head[-1].weight)
    assert set(result.state) == set(model.state_dict()) and len(result.curve) == 2
    loaded = build_model(arch, (24, 1), 2)
    loaded.load_state_dict(result.state)  # checkpoints, export and predict rebuild from this alone
    assert torch.equal(loaded(Xt).argmax(1), model.eval()(Xt).argmax(1))


def test_augmented_training_runs_the_stage_on_each_batch() -> None:
    from nas.data import Split, TaskData
    from nas.train import train_arch

    X = torch.from_numpy(_italy()[0])
    y = torch.arange(67) % 2
    data = TaskData("italy", "sequence", "classification", (24, 1), 2, Split(X[:50], y[:50]),
                    Split(X[50:], y[50:]), Split(X[50:], y[50:]))
    arch = Arch("rocket", SMALL, {"optimizer": "adam", "lr": 1e-2, "batch_size": 16, "epochs": 1, "jitter": 0.1})
    _, result = train_arch(arch, data, seed=0, device="cpu")
    assert len(result.curve) == 1 and np.isfinite(result.curve[0])


def test_multivariate_kernels_sum_over_one_to_nine_channels() -> None:
    model = build_model(Arch("rocket", {"rocket": {"features": 840}}), (40, 12), 3)
    used = (model.stage.weight.abs().sum(dim=-1) > 0).sum(dim=-1)  # channels per kernel and dilation
    assert used.min() >= 1 and used.max() <= 9 and len(set(used.flatten().tolist())) > 3
    X = torch.randn(30, 40, 12)
    model.fit_data(X, seed=0)
    assert model(X).shape == (30, 3) and torch.isfinite(model(X)).all()


def test_summary_and_flops_count_the_comparisons() -> None:
    from nas.search.costs import count_flops

    arch = Arch("rocket", {"rocket": {"features": 840, "max": True}, "head": {"hidden": 16}})
    assert summarize(arch) == "rocket 840f-32d ppv+max | fc16"
    model = build_model(arch, (24, 1), 2)
    dilations = len(model.stage.plan)  # (24 - 1) / 8 -> dilations 1 and 2
    convs = 2 * 84 * 9 * 24 * dilations
    compares = 2 * 840 * 24
    head = 2 * (model.stage.out_features * 16 + 16 * 2)
    assert dilations == 2 and count_flops(model, (24, 1)) == convs + compares + head


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
@pytest.mark.parametrize("shape", [(24, 1), (30, 3)])
@pytest.mark.parametrize("fmt", ["torchscript", "onnx"])
def test_fitted_model_exports_with_parity(shape: tuple[int, ...], fmt: str, tmp_path: Path) -> None:
    from nas.ship.export import ARTEFACTS, PARITY_TOLERANCE, TRACE_ROWS

    torch.manual_seed(0)
    model = build_model(Arch("rocket", {"rocket": {"features": 672, "max": True}}), shape, 3)
    model.fit_data(torch.randint(-3, 4, (20, *shape)).float(), seed=1)  # ties with the biases everywhere
    artefact = ARTEFACTS[fmt]
    artefact.save(model.eval(), torch.randn(TRACE_ROWS, *shape), tmp_path / artefact.file)
    X = torch.cat([torch.randn(7, *shape), torch.randint(-3, 4, (7, *shape)).float(),
                   torch.randint(-3, 4, (2, *shape)).float() * 1e-5])  # on their own, finer grid
    with torch.no_grad():
        want = model(X).numpy()
    got = artefact.run(tmp_path / artefact.file, X)
    assert got.shape == want.shape and np.abs(got - want).max() <= PARITY_TOLERANCE
