"""Residual forecasting of windowed series (nas.data.forecast, nas.models.forecast) and the linear
probe every study with a linear option starts with (nas.search.prepared.probes)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import optuna
import pytest
import torch

from nas.arch import Arch
from nas.data import DataSpec, load_data
from nas.models import FitsData, build_model
from nas.models.forecast import ResidualForecast, ResidualForecastFitted

WIRING = {"channel": 1, "scale": 0.5, "shift": 0.25, "residual": True}


def _series(name: str):
    pytest.importorskip("statsmodels", reason=f"the built-in {name} series ships with statsmodels: pip install 'nas[series]'")
    return load_data(DataSpec(task="sequence", dataset=name))


def test_the_data_decides_levels_or_changes_on_real_series() -> None:
    """co2 rises for 40 years: changes; sunspots swing around a stable mean: levels. The decision
    uses train + validation only and is stored with its fold RMSE of both forms."""
    co2, sunspots = _series("co2"), _series("sunspots")
    rising, swinging = co2.preprocessing["forecast"], sunspots.preprocessing["forecast"]
    assert rising["residual"] is True and rising["cv_rmse"]["changes"] < rising["cv_rmse"]["levels"]
    assert swinging["residual"] is False and swinging["cv_rmse"]["levels"] < swinging["cv_rmse"]["changes"]
    assert rising["channel"] == 0 and 0 < rising["scale"]
    assert "forecast" not in load_data(DataSpec(task="tabular", dataset="diabetes")).preprocessing


def test_a_residual_network_moves_with_the_level_of_its_window() -> None:
    """Whatever the inner network, raising the forecast channel by d at every step raises the
    forecast by exactly d x scale (target units): the network sees only the changes."""
    torch.manual_seed(0)
    for family, body in (("mlp", {"layers": [{"width": 8, "activation": "tanh"}]}),
                         ("conv1d", {"blocks": [{"channels": 4, "kernel": 3}], "head": {"pool": "avg"}}),
                         ("rnn", {"rnn": {"cell": "gru", "hidden": 4}})):
        model = build_model(Arch(family, body), (6, 2), 1, {"forecast": WIRING}).eval()
        assert isinstance(model, ResidualForecast)
        x = torch.randn(5, 6, 2)
        d = torch.zeros(1, 1, 2)
        d[..., 1] = 3.0
        with torch.no_grad():
            moved = model(x + d) - model(x)
        torch.testing.assert_close(moved, torch.full((5, 1), 3.0 * WIRING["scale"]))
    plain = build_model(Arch("mlp", {"layers": []}), (6, 2), 1, {"forecast": {**WIRING, "residual": False}})
    assert not isinstance(plain, ResidualForecast)  # levels: the network as the space describes it


def test_a_linear_residual_network_with_zero_weights_forecasts_the_last_value() -> None:
    model = build_model(Arch("mlp", {"layers": []}), (4, 2), 1, {"forecast": WIRING})
    for p in model.parameters():
        torch.nn.init.zeros_(p)
    x = torch.randn(3, 4, 2)
    torch.testing.assert_close(model(x), x[:, -1, 1:2] * WIRING["scale"] + WIRING["shift"])


def test_a_residual_rocket_trains_its_head_on_what_its_forward_computes(tmp_path: Path) -> None:
    """The trainer fits the frozen stage, then trains `head` on `features`: for the wrapped rocket,
    head(features(X)) must be forward(X); its weights save to safetensors (no shared tensors)."""
    from safetensors.torch import load_file, save_file

    arch = Arch("rocket", {"rocket": {"features": 168}})
    model = build_model(arch, (24, 2), 1, {"forecast": WIRING})
    assert isinstance(model, ResidualForecastFitted) and isinstance(model, FitsData)
    X = torch.randn(20, 24, 2)
    model.fit_data(X, seed=0)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(model.head(model.features(X)), model(X))
    save_file(model.state_dict(), tmp_path / "w.safetensors")
    again = build_model(arch, (24, 2), 1, {"forecast": WIRING})
    again.load_state_dict(load_file(tmp_path / "w.safetensors"), strict=True)
    with torch.no_grad():
        torch.testing.assert_close(again.eval()(X), model(X))


def test_a_rising_series_search_exports_and_predicts_through_the_wrapper(workdir: Path, run_cli) -> None:
    """co2 (residual): search, ONNX export reproduces the model, predict forecasts in ppm."""
    pytest.importorskip("statsmodels", reason="the built-in co2 series ships with statsmodels: pip install 'nas[series]'")
    space = workdir / "mlp.yaml"
    space.write_text("family: mlp\nlayers: {depth: 1, width: 8}\ntrain: {epochs: 2, batch_size: 64}\n")
    result = run_cli("search", "--dataset", "co2", "--space", space, "--trials", 1, "--cv", 1, "-q")
    assert result.exit_code == 0, result.stderr
    out = workdir / "bundle"
    exported = run_cli("export", "--format", "all", "--out", out)
    assert exported.exit_code == 0, exported.stderr
    assert "reproduced from the bundle exactly" in exported.stdout
    assert json.loads((out / "manifest.json").read_text())["data"]["preprocessing"]["forecast"]["residual"] is True
    from statsmodels.datasets import co2 as co2_data

    ppm = co2_data.load_pandas().data["co2"].resample("MS").mean().interpolate()
    csv = workdir / "recent.csv"
    csv.write_text("co2\n" + "\n".join(f"{v:.3f}" for v in ppm.values[-30:]) + "\n")
    predicted = run_cli("predict", out, csv, "--format", "json")
    assert predicted.exit_code == 0, predicted.stderr
    rows = json.loads(predicted.stdout)
    assert len(rows) == 30 - 24 + 1  # every full window of 24 months, the last forecasting past the end
    values = [row["value"] for row in rows]
    assert all(360 < v < 380 for v in values)  # the level of 2001's CO2, carried by the wrapper


def test_every_new_study_with_a_linear_option_tries_it_first_and_never_prunes_it(workdir: Path, run_cli) -> None:
    from nas.search.prepared import probes
    from nas.space import load_space

    shipped = Path(__file__).resolve().parent.parent / "search_spaces"
    assert probes(load_space(shipped / "tabular.yaml")) == [{"layers.depth": 0}]
    assert probes(load_space(shipped / "sequence.yaml"))[-1] == {"family": "mlp", "mlp.layers.depth": 0}
    assert probes(load_space(shipped / "image.yaml")) == []  # no linear CNN
    result = run_cli("search", "--task", "tabular", "--dataset", "wine", "--trials", 2, "--epochs", 2, "-q")
    assert result.exit_code == 0, result.stderr
    study = optuna.load_study(study_name="tabular-wine", storage="sqlite:///studies/nas.db")
    first = study.trials[0]
    assert first.system_attrs.get("fixed_params") == {"layers.depth": 0} and first.user_attrs["arch"]["layers"] == []
    assert first.state.name == "COMPLETE"


def test_a_linear_trial_is_reported_to_the_pruner_but_never_stopped() -> None:
    from nas.search.objectives import Limits, make_goals
    from nas.search.pruning import Stopper

    class Trial:  # a pruner that wants everything stopped
        reported: list[tuple[float, int]] = []

        def report(self, value: float, step: int) -> None:
            self.reported.append((value, step))

        def should_prune(self) -> bool:
            return True

    data = load_data(DataSpec(task="tabular", dataset="wine"))
    goals = make_goals(None, data, Limits(), 64, "median")
    curves = [[0.5, 0.9], [0.6, 0.8]]
    assert Stopper(Trial(), goals, {}, 2, 5).after_fold(1, curves) is not None
    linear = Trial()
    assert Stopper(linear, goals, {}, 2, 5, prunable=False).after_fold(1, curves) is None
    assert Stopper(linear, goals, {}, 2, 1, prunable=False).after_epoch(1, curves[0]) is None
    assert len(linear.reported) >= 2  # its values still inform the pruner about other trials
    assert np.isfinite([v for v, _ in linear.reported]).all()
