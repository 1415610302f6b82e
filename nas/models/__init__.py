"""Builders, one module per family, looked up by name: Arch + input shape + output size -> Module."""
from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from nas.arch import Arch
from nas.errors import NasError, nearest
from nas.models._frozen import FitsData
from nas.models._start import StartsFromData
from nas.models.forecast import wrap

__all__ = ["FitsData", "StartsFromData", "build_model", "check_input", "count_params", "summarize"]

# family -> (module name, the input rank it expects without the batch dimension, what that is)
_FAMILIES: dict[str, tuple[str, int, str]] = {
    "cnn": ("cnn", 3, "images (C, H, W)"),
    "rnn": ("rnn", 2, "sequences (T, F)"),
    "conv1d": ("conv1d", 2, "sequences (T, F)"),
    "rocket": ("rocket", 2, "sequences (T, F)"),
    "mlp": ("mlp", 0, "tables (F,)"),
}


def _module(family: str) -> ModuleType:
    if family not in _FAMILIES:
        raise NasError(f"unknown model family '{family}'{nearest(family, _FAMILIES)}")
    import importlib

    return importlib.import_module(f"nas.models.{_FAMILIES[family][0]}")


def check_input(family: str, input_shape: tuple[int, ...]) -> None:
    """Raise NasError when a family cannot take data of this shape (MLPs take any shape)."""
    _, rank, what = _FAMILIES[family]
    if rank and len(input_shape) != rank:
        raise NasError(f"family {family} needs {what} input, but the data has shape {tuple(input_shape)}")


def build_model(arch: Arch, input_shape: tuple[int, ...], out_dim: int, preprocessing: dict[str, Any] | None = None) -> Any:
    """Build the torch.nn.Module for `arch`. Never mutates the arch. `preprocessing` is the data's
    (TaskData.preprocessing): a windowed series whose `forecast` wiring says `residual` gets the
    network wrapped to forecast changes (nas.models.forecast)."""
    check_input(arch.family, tuple(input_shape))
    builder: Callable[..., Any] = _module(arch.family).build
    model = builder(arch.to_dict(), tuple(input_shape), int(out_dim))
    return wrap(model, (preprocessing or {}).get("forecast"), tuple(input_shape))


def summarize(arch: Arch) -> str:
    """One-line summary for tables, e.g. `conv32k3-maxpool | conv64k5 | fc128`."""
    return _module(arch.family).summarize(arch.to_dict())


def count_params(model: Any) -> int:
    return sum(p.numel() for p in model.parameters())
