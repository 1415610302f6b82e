"""nas.ridge: each step of a linear regression's regularisation path solved exactly (float64)."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.linear_model import LinearRegression, Ridge
from torch import nn

from nas.models.forecast import ResidualForecast
from nas.ridge import ridge_solution, solve_linear


def _ill_conditioned(rows: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Standardised columns of which the last is the sum of the others plus a little noise (as a
    table's total beside its parts); the target is another part: an exact linear function."""
    rng = np.random.default_rng(seed)
    parts = rng.normal(size=(rows, 4))
    total = parts.sum(1, keepdims=True) + 1e-4 * rng.normal(size=(rows, 1))
    X = np.hstack([parts[:, :3], total]).astype(np.float32)
    return X, parts[:, 3].astype(np.float32)


def _linear(features: int, out: int = 1) -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(features, out))


@pytest.mark.parametrize("wd", [0.1, 1e-3, 0.0])
def test_the_solve_is_scikit_learns_ridge_at_alpha_n_wd_over_2(wd: float) -> None:
    X, y = _ill_conditioned()
    model = _linear(X.shape[1])
    assert solve_linear(model, torch.from_numpy(X), torch.from_numpy(y), wd)
    ref = (Ridge(alpha=len(X) * wd / 2) if wd else LinearRegression()).fit(X.astype(float), y.astype(float))
    assert model[1].weight.detach().numpy().ravel() == pytest.approx(ref.coef_, rel=1e-4, abs=1e-4)
    assert float(model[1].bias) == pytest.approx(ref.intercept_, abs=1e-4)


def test_least_squares_reaches_the_float64_optimum_on_an_ill_conditioned_table() -> None:
    """The case the module exists for: a column that is nearly the sum of others. At weight decay
    0 the model's training error is least squares' own, to float32 rounding."""
    X, y = _ill_conditioned()
    model = _linear(X.shape[1])
    assert solve_linear(model, torch.from_numpy(X), torch.from_numpy(y), 0.0)
    ours = float((model(torch.from_numpy(X)).detach().squeeze(-1).double() - torch.from_numpy(y).double()).pow(2).mean().sqrt())
    exact = LinearRegression().fit(X.astype(float), y.astype(float))
    best = float(np.sqrt(np.mean((exact.predict(X.astype(float)) - y) ** 2)))
    assert ours == pytest.approx(best, rel=1e-2, abs=1e-6), (ours, best)


def test_a_column_repeated_gets_the_minimum_norm_least_squares_as_scikit_learn() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(size=(30, 2))
    X = np.hstack([base, base[:, :1]]).astype(np.float32)  # rank 2 of 3
    y = (base @ [2.0, -1.0]).astype(np.float32)
    model = _linear(3)
    assert solve_linear(model, torch.from_numpy(X), torch.from_numpy(y), 0.0)
    assert model[1].weight.detach().numpy().ravel() == pytest.approx([1.0, -1.0, 1.0], abs=1e-4)


def test_a_network_that_is_not_one_linear_layer_is_left_to_the_optimizer_unchanged() -> None:
    X, y = (torch.from_numpy(a) for a in _ill_conditioned())
    torch.manual_seed(0)
    hidden = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    before = [p.clone() for p in hidden.parameters()]
    assert not solve_linear(hidden, X, y, 0.0)
    assert all(torch.equal(a, b) for a, b in zip(before, hidden.parameters()))


def test_a_linear_layer_inside_a_non_additive_model_is_restored_and_refused() -> None:
    """One nn.Linear holding every parameter, but its output squashed: not affine in the layer,
    so the check after the solve puts the old weights back."""
    X, y = (torch.from_numpy(a) for a in _ill_conditioned())
    model = nn.Sequential(nn.Linear(4, 1), nn.Tanh())
    before = [p.clone() for p in model.parameters()]
    assert not solve_linear(model, X, y, 0.0)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_a_linear_forecaster_of_changes_is_solved_on_the_changes() -> None:
    """A window's last value added back to the output (nas.models.forecast) is a fixed offset: the
    solve fits the change, and the model's forecast is the least-squares one."""
    rng = np.random.default_rng(2)
    series = np.cumsum(rng.normal(size=80)).astype(np.float32)
    X = torch.from_numpy(np.stack([series[i:i + 6] for i in range(70)]))[:, :, None]  # (70, 6, 1)
    y = torch.from_numpy(series[6:76])
    model = ResidualForecast(_linear(6), {"channel": 0, "scale": 1.0, "shift": 0.0}, channels=1)
    assert solve_linear(model, X, y, 0.0)
    changes = (X - X[:, -1:, :]).reshape(70, -1).double()
    W, b = ridge_solution(changes, (y.double() - X[:, -1, 0].double())[:, None], 0.0)
    expected = (changes @ W.T + b).squeeze(-1) + X[:, -1, 0].double()
    assert model(X).detach().squeeze(-1).double().numpy() == pytest.approx(expected.numpy(), abs=1e-4)
