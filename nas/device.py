"""Device choice and per-trial memory hygiene. The device is passed in, never hard-coded."""
from __future__ import annotations

import gc
from typing import Any

from nas.errors import UsageError


def resolve_device(name: str = "auto") -> Any:
    """'auto' takes the GPU when there is one; 'cuda' / 'cuda:N' fail clearly when there is none."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise UsageError(f"--device: unknown device '{name}' (expected auto, cpu, cuda or cuda:N)") from None
    if device.type not in ("cpu", "cuda"):
        raise UsageError(f"--device: unsupported device '{name}' (expected auto, cpu, cuda or cuda:N)")
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"--device: '{name}' asked for, but no CUDA GPU is available (use --device cpu)")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise UsageError(f"--device: '{name}' does not exist ({torch.cuda.device_count()} GPU(s) found)")
        torch.backends.cudnn.benchmark = True
    return device


def free_memory(device: Any) -> None:
    """Release what a finished trial held, so memory does not grow across trials."""
    gc.collect()
    if getattr(device, "type", "cpu") == "cuda":
        import torch

        torch.cuda.empty_cache()
