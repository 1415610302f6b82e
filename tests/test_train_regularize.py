"""The regularisers and optimizers of the `train` section: each key validates, samples, trains and has its effect.

Label smoothing, weight averaging (ema), early-stopping patience, batch augmentation (validation and
test rows never augmented) and full-batch L-BFGS, which fits a depth-0 MLP to the optimum that
scikit-learn's linear models reach on the same split.
"""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from nas.arch import Arch
from nas.baseline import fit_baseline
from nas.data import DataSpec, load_data
from nas.errors import DivergedError, NasError, SpaceError
from nas.metrics import score
from nas.models import build_model
from nas.sample import random_archs
from nas.space import load_space
from nas.train import LOSSES, TrainConfig, fit, seed_everything


@pytest.fixture(scope="module")
def wine():
    return load_data(DataSpec(task="tabular", dataset="wine"))


@pytest.fixture(scope="module")
def digits():
    return load_data(DataSpec(task="image", dataset="digits"))


@pytest.fixture(scope="module")
def digits_seq():
    return load_data(DataSpec(task="sequence", dataset="digits_seq"))


def _mlp(data, depth: int = 1):
    seed_everything(0)
    return build_model(Arch("mlp", {"layers": [{"width": 16}] * depth}, {}), data.input_shape, data.out_dim)


NEW_KEYS = {
    "cnn": "blocks: {channels: 4}\ntrain: {label_smoothing: [0.0, 0.1], ema: {low: 0.9, high: 0.99}, patience: 2,"
           " crop: [0, 1], flip: [false, true], trivial_augment: [false, true], epochs: 1, batch_size: 256}\n",
    "rnn": "rnn: {hidden: 8}\ntrain: {patience: [0, 2], jitter: {low: 0.0, high: 0.2}, scaling: [0.0, 0.1],"
           " shift: [0, 1], window_crop: [0.0, 0.25], ema: 0.9, epochs: 1, batch_size: 256}\n",
    "mlp": "layers: {depth: 1, width: 8}\ntrain: {optimizer: [adamw, lbfgs], jitter: [0.0, 0.1],"
           " label_smoothing: 0.1, epochs: 2, batch_size: 256}\n",
}
DATA = {"cnn": "digits", "rnn": "digits_seq", "mlp": "wine"}


@pytest.mark.parametrize("family", sorted(NEW_KEYS))
def test_new_keys_validate_sample_build_and_train(tmp_path: Path, family: str, request: pytest.FixtureRequest) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(f"family: {family}\n{NEW_KEYS[family]}")
    space = load_space(path)
    data = request.getfixturevalue(DATA[family])
    for arch in random_archs(space, 3, seed=1):
        cfg = TrainConfig.from_arch(arch)
        assert {k for k in arch.train if k in TrainConfig.__dataclass_fields__} == set(arch.train)
        seed_everything(0)
        model = build_model(arch, data.input_shape, data.out_dim)
        result = fit(model, data, cfg, seed=0)
        assert len(result.curve) == len(result.loss_curve) == cfg.epochs


@pytest.mark.parametrize("text, message", [
    ("family: mlp\ntrain: {label_smoothing: 0.7}\n", r"train\.label_smoothing: 0\.7 is above the maximum 0\.5"),
    ("family: mlp\ntrain: {ema: 1.0}\n", r"train\.ema: 1\.0 is above the maximum 0\.9999"),
    ("family: mlp\ntrain: {patience: -1}\n", r"train\.patience: -1 is below the minimum 0"),
    ("family: cnn\nblocks: {}\ntrain: {flip: maybe}\n", r"train\.flip: expected true or false"),
    ("family: rnn\nrnn: {}\ntrain: {crop: 2}\n", r"train\.crop: unknown key"),  # images only
    ("family: cnn\nblocks: {}\ntrain: {shift: 2}\n", r"train\.shift: unknown key"),  # sequences only
    ("family: rnn\nrnn: {}\ntrain: {window_crop: 0.95}\n", r"train\.window_crop: 0\.95 is above the maximum 0\.9"),
    ("family: mlp\ntrain: {optimizer: lbgfs}\n", r"train\.optimizer: unknown name 'lbgfs' \(did you mean 'lbfgs'\?\)"),
])
def test_bad_values_of_the_new_keys_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "space.yaml"
    path.write_text(text)
    with pytest.raises(SpaceError, match=message):
        load_space(path)


def test_every_new_key_defaults_to_off() -> None:
    cfg = TrainConfig()
    assert (cfg.label_smoothing, cfg.ema, cfg.patience) == (0.0, 0.0, 0)
    assert not any(cfg.augmentations().values())


def test_patience_stops_on_a_plateau_and_keeps_the_best_weights(wine) -> None:
    model = _mlp(wine)
    result = fit(model, wine, TrainConfig(lr=0.0, epochs=50, patience=3), seed=0)  # lr 0: a flat curve
    assert result.best_epoch == 0 and len(result.curve) == 4 and result.stopped_epoch == 3
    assert score(model, wine.val, wine) == result.best_value
    full = fit(_mlp(wine), wine, TrainConfig(lr=0.0, epochs=6, patience=3), seed=0, keep_best=False)
    assert len(full.curve) == 6 and full.stopped_epoch is None  # no held-out split: patience is off


def test_patience_lets_an_improving_fit_run_on(wine) -> None:
    result = fit(_mlp(wine), wine, TrainConfig(lr=1e-3, epochs=8, patience=8), seed=0)
    assert len(result.curve) == 8 and result.stopped_epoch is None


def test_ema_evaluates_and_keeps_the_averaged_weights(wine) -> None:
    cfg = TrainConfig(lr=1e-2, epochs=4, batch_size=16)
    last = _mlp(wine)
    fit(last, wine, cfg, seed=0, keep_best=False)
    averaged = _mlp(wine)
    result = fit(averaged, wine, TrainConfig(**{**cfg.__dict__, "ema": 0.9}), seed=0, keep_best=False)
    # the live trajectory is the same (same seed); the kept weights are its average, not its end
    differ = [not torch.allclose(a, b) for a, b in zip(averaged.state_dict().values(), last.state_dict().values())]
    assert all(differ)
    assert score(averaged, wine.val, wine) == result.curve[-1]  # what was evaluated is what is kept
    for key, value in result.state.items():
        assert torch.equal(value, averaged.state_dict()[key])


def test_label_smoothing_changes_the_classification_loss_only(wine) -> None:
    out, y = torch.tensor([[4.0, 0.0, 0.0]]), torch.tensor([0])
    assert LOSSES["classification"](0.1)(out, y) > LOSSES["classification"](0.0)(out, y)
    a, b = _mlp(wine), _mlp(wine)
    fit(a, wine, TrainConfig(epochs=2, batch_size=16), seed=0)
    fit(b, wine, TrainConfig(epochs=2, batch_size=16, label_smoothing=0.2), seed=0)
    assert not torch.allclose(a[1].weight, b[1].weight)
    reg = torch.tensor([[0.5]]), torch.tensor([0.0])
    assert LOSSES["regression"](0.2)(*reg) == LOSSES["regression"](0.0)(*reg)


class _Recorder(torch.nn.Module):
    """Wraps a model and keeps every input it sees, split by train / eval mode."""

    def __init__(self, inner: torch.nn.Module) -> None:
        super().__init__()
        self.inner, self.seen = inner, {True: [], False: []}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.seen[self.training].append(x.detach().clone())
        return self.inner(x)


AUGMENTED = {
    "digits": ("cnn", {"blocks": [{"channels": 4, "kernel": 3}], "head": {}},
               {"crop": 1, "flip": True, "trivial_augment": True}),
    "digits_seq": ("rnn", {"rnn": {"hidden": 8}}, {"jitter": 0.1, "scaling": 0.1, "shift": 1, "window_crop": 0.25}),
}


@pytest.mark.parametrize("name", sorted(AUGMENTED))
def test_augmentation_changes_training_batches_and_never_validation_or_test(name: str, request) -> None:
    data = request.getfixturevalue(name)
    family, body, augment = AUGMENTED[name]
    seed_everything(0)
    model = _Recorder(build_model(Arch(family, body, {}), data.input_shape, data.out_dim))
    fit(model, data, TrainConfig(epochs=1, batch_size=512, **augment), seed=0)
    score(model, data.test, data)
    evaluated = torch.cat(model.seen[False])
    assert torch.equal(evaluated, torch.cat([data.val.X, data.test.X]))  # untouched, in order
    trained = torch.cat(model.seen[True])
    assert trained.shape == data.train.X.shape
    rows = {tuple(r.flatten().tolist()) for r in data.train.X}
    assert sum(tuple(r.flatten().tolist()) in rows for r in trained) < len(trained) // 2


def test_augmentation_of_the_wrong_input_names_the_key(wine) -> None:
    with pytest.raises(NasError, match=r"train\.crop: augments images, but the inputs have shape \(13,\)"):
        fit(_mlp(wine), wine, TrainConfig(epochs=1, crop=2), seed=0)


def test_lbfgs_fits_a_linear_model_to_scikit_learns_optimum() -> None:
    data = load_data(DataSpec(task="tabular", dataset="diabetes"))
    model = _mlp(data, depth=0)
    fit(model, data, TrainConfig(optimizer="lbfgs", weight_decay=1e-4, epochs=5), seed=0)
    ours, theirs = score(model, data.test, data), fit_baseline(data)["test"]["rmse"]
    assert ours <= theirs * 1.01, (ours, theirs)


def test_lbfgs_logistic_regression_matches_scikit_learn_on_breast_cancer() -> None:
    data = load_data(DataSpec(task="tabular", dataset="breast_cancer"))
    model = _mlp(data, depth=0)
    fit(model, data, TrainConfig(optimizer="lbfgs", weight_decay=1e-2, epochs=5), seed=0)
    ours, theirs = score(model, data.test, data), fit_baseline(data)["test"]["accuracy"]
    assert ours >= theirs - 0.005, (ours, theirs)


def test_lbfgs_weight_decay_shrinks_the_weights_and_spares_the_bias(wine) -> None:
    norms = {}
    for wd in (0.0, 0.1, 100.0):
        model = _mlp(wine, depth=0)
        fit(model, wine, TrainConfig(optimizer="lbfgs", weight_decay=wd, epochs=3), seed=0)
        norms[wd] = float(model[1].weight.detach().norm())
    assert norms[0.1] < norms[0.0] / 2 and norms[100.0] < 0.05
    bias = model[1].bias.detach()  # unpenalised: still the log class priors of the unbalanced classes
    counts = torch.bincount(wine.train.y).float()
    assert torch.allclose(bias - bias.mean(), counts.log() - counts.log().mean(), atol=0.05)


def test_lbfgs_stops_a_diverged_model(wine) -> None:
    model = _mlp(wine, depth=0)
    with torch.no_grad():
        model[-1].weight.fill_(float("nan"))
    with pytest.raises(DivergedError, match=r"loss became nan at epoch 1"):
        fit(model, wine, TrainConfig(optimizer="lbfgs", epochs=3), seed=0)


def test_an_equal_metric_at_a_lower_validation_loss_is_an_improvement() -> None:
    from nas.train import FitResult, _improves

    result = FitResult(best_value=0.9, best_epoch=0, curve=[0.9, 0.9], loss_curve=[0.30, 0.25])
    assert _improves(result, 0.9, 0.25, "maximize")  # same accuracy, lower loss: better weights
    assert not _improves(result, 0.9, 0.35, "maximize") and not _improves(result, 0.85, 0.01, "maximize")
    assert _improves(result, 0.95, 9.0, "maximize")  # the metric comes first


def test_a_study_stored_before_the_train_keys_existed_resumes() -> None:
    from types import SimpleNamespace

    from nas.search.compat import check_compatible
    from nas.space import parse_space
    from nas.store import StudyRecord

    raw = {"family": "mlp", "layers": {"depth": [0, 1]}, "train": {"lr": {"low": 1e-3, "high": 1e-2, "log": True}}}
    now = parse_space(raw).to_dict()
    old = {k: v for k, v in now.items()}
    old["train"] = {k: v for k, v in now["train"].items() if k not in ("label_smoothing", "ema", "patience", "jitter")}
    info = {"task": "tabular", "dataset": "wine", "seed": 0, "data": {"fingerprint": "f"}, "space": now}
    study = SimpleNamespace(study_name="s", user_attrs={"nas": {**info, "space": old}})
    assert check_compatible(study, StudyRecord.from_dict(info)) == []
    changed = {**now, "train": {**now["train"], "patience": 5}}
    with pytest.raises(Exception, match=r"train\.patience: 0 -> 5"):
        check_compatible(study, StudyRecord.from_dict({**info, "space": changed}))


def test_each_step_of_the_regularisation_path_is_scikit_learns_ridge_at_that_strength() -> None:
    """Epoch e of a path fit ends at the ridge optimum for that epoch's weight decay (wd/2 |W|^2 on
    a mean loss is scikit-learn's alpha = wd * n / 2 on a summed one): what the refit replays when
    it trains for the chosen epoch count."""
    from sklearn.linear_model import Ridge

    from nas.sample import path_weight_decay

    data = load_data(DataSpec(task="tabular", dataset="diabetes"))
    X, y = data.train.X.numpy(), data.train.y.numpy()
    shrunk = []
    for epochs in (1, 4):  # weight decay 0.1 (shrinks visibly) and 0.01
        model = _mlp(data, depth=0)
        result = fit(model, data, TrainConfig(optimizer="lbfgs", decay_path=True, weight_decay=1e-5, epochs=epochs),
                     seed=0, keep_best=False)
        wd = path_weight_decay(epochs - 1, 1e-5)
        ridge = Ridge(alpha=wd * len(X) / 2).fit(X, y)
        ours = model[-1].weight.detach().numpy().ravel()
        assert len(result.curve) == epochs
        assert ours == pytest.approx(ridge.coef_, abs=1e-5), (wd, ours, ridge.coef_)  # solved: nas.ridge
        shrunk.append(abs(ours).sum())
    unshrunk = abs(Ridge(alpha=1e-9).fit(X, y).coef_).sum()
    assert shrunk[0] < shrunk[1] < unshrunk  # the path's steps are real, ever weaker shrinkage


def test_a_path_fit_keeps_the_strength_with_the_best_validation_value() -> None:
    data = load_data(DataSpec(task="tabular", dataset="diabetes"))
    result = fit(_mlp(data, depth=0), data, TrainConfig(optimizer="lbfgs", decay_path=True, weight_decay=1e-5,
                                                        epochs=13), seed=0)
    assert len(result.curve) == 13 and result.best_value == min(result.curve)
    assert len(set(result.curve)) > 6  # each step is another fit, scored on validation


def test_lbfgs_makes_the_configured_iterations_an_epoch(wine) -> None:
    """`lbfgs_iters` (written by nas.sample on large data) bounds the L-BFGS iterations of an
    epoch: one iteration is at most two passes over the training split (its line search), where
    torch's default 20 make many more on a network that is not linear."""
    passes = {}
    for iters in (1, 20):
        model = _mlp(wine, depth=1)
        count = [0]
        model.register_forward_hook(lambda module, inputs, out: count.__setitem__(0, count[0] + module.training))
        fit(model, wine, TrainConfig(optimizer="lbfgs", epochs=3, lbfgs_iters=iters), seed=0)
        passes[iters] = count[0]
    assert passes[1] <= 2 * 3 < passes[20], passes
