"""Device choice and per-trial memory hygiene. The device is passed in, never hard-coded."""
from __future__ import annotations

import gc
from typing import Any

from nas.errors import UsageError


def resolve_device(name: str = "auto") -> Any:
    """'auto' takes the GPU when there is one; 'cuda' / 'cuda:N' fail clearly when there is none.

    Every command that trains or runs a model resolves its device here, so this is also where the
    CPU is told to flush subnormal floats to zero (FTZ/DAZ, `torch.set_flush_denormal`). Why: weight
    decay shrinks the weights of units that stopped learning towards zero, into subnormal values
    that x86 CPUs compute on about ten times slower; on 1.4 million rows a trial timed at 1.5 s an
    epoch ran 32 epochs in 249 s with 1,520 of its 4,096 weights of one layer subnormal
    (benchmarks/denormals.py: a layer half subnormal makes a step 9.5x slower; flushed, 1.0x).
    Values below 1.2e-38 do not change what a network predicts; GPUs flush them already."""
    import torch

    torch.set_flush_denormal(True)  # False where the CPU cannot (no SSE3): nothing to do then

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
