"""Residual forecasting: a network that forecasts the next value of a windowed series as a change
from the window's last value, not as a level.

Why: a network fits the levels its training windows held. A trending series (airline passengers,
shampoo sales) reaches levels on its later, test windows that no training window had, and the
forecast stays near the old ones: on the airline series (window 12) the chosen MLP scored test
RMSE 52 where linear regression, which extrapolates, scored 21. Seen from its last value, a
window of a trending series looks like the windows before it, so the same network forecasts
the change and the level is added back, inside the model: export, predict and the ensembles
see one ordinary network. The data decides whether a series is forecast this way
(`nas.data.forecast`, stored in the preprocessing as `forecast`), never the model family.

Inputs are the standardised window (B, T, C); channel `channel` is the forecast series. Its last
value is subtracted from that channel at every step, and added back to the output after the
change of units from input to target standardisation (`scale`, `shift`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from nas.models._frozen import FitsData


class _Level(nn.Module):
    """The window's last value of the forecast channel: subtracted from inputs, added to outputs."""

    def __init__(self, wiring: dict[str, Any], channels: int) -> None:
        super().__init__()
        mask = torch.zeros(1, 1, channels)
        mask[0, 0, int(wiring["channel"])] = 1.0
        self.register_buffer("mask", mask)  # (1, 1, C): 1 on the forecast channel
        self.register_buffer("pick", mask[0, 0, :, None] * float(wiring["scale"]))  # (C, 1): input -> target units
        self.register_buffer("shift", torch.tensor(float(wiring["shift"])))

    def changes(self, x: torch.Tensor) -> torch.Tensor:
        """The window with the forecast channel's last value subtracted from that channel."""
        return x - x[:, -1:, :] * self.mask

    def level(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1): the last value, in the target's standardised units."""
        return x[:, -1, :] @ self.pick + self.shift


class ResidualForecast(nn.Module):
    """`inner` forecasts the change from the last value; the level is added back."""

    def __init__(self, inner: nn.Module, wiring: dict[str, Any], channels: int) -> None:
        super().__init__()
        self.inner, self.lvl = inner, _Level(wiring, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(self.lvl.changes(x)) + self.lvl.level(x)


class _HeadPlusLevel(nn.Module):
    """A frozen-stage model's head on its features, plus the level carried as the last column."""

    def __init__(self, head: nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        return self.head(f[:, :-1]) + f[:, -1:]


class ResidualForecastFitted(FitsData):
    """The same for a model with a frozen, data-fitted stage (rocket): the trainer fits the frozen
    stage on the changes and trains `head` alone on the features, so the level travels to the
    head as one more feature column, and the inner model's head moves under this one."""

    def __init__(self, inner: FitsData, wiring: dict[str, Any], channels: int) -> None:
        super().__init__()
        self.head = _HeadPlusLevel(inner.head)
        inner.head = nn.Identity()  # the inner model now ends at its features
        self.frozen, self.lvl = inner, _Level(wiring, channels)

    def fit_data(self, X: torch.Tensor, seed: int) -> None:
        self.frozen.fit_data(self.lvl.changes(X), seed)

    def features(self, X: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.frozen.features(self.lvl.changes(X)), self.lvl.level(X)], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.cat([self.frozen(self.lvl.changes(x)), self.lvl.level(x)], dim=1))


# does the inner model have a frozen stage -> its wrapper
_WRAPPERS: dict[bool, Callable[[Any, dict[str, Any], int], nn.Module]] = {
    False: ResidualForecast,
    True: ResidualForecastFitted,
}


def wrap(model: nn.Module, wiring: dict[str, Any] | None, input_shape: tuple[int, ...]) -> nn.Module:
    """`model` forecasting changes when the data's wiring says so (`residual`), else `model`."""
    if not wiring or not wiring.get("residual"):
        return model
    return _WRAPPERS[isinstance(model, FitsData)](model, wiring, int(input_shape[-1]))
