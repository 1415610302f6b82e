"""Device choice and per-trial memory hygiene. The device is passed in, never hard-coded."""
from __future__ import annotations

import gc
from typing import Any

from nas.errors import UsageError


def flush_subnormals() -> None:
    """Tell the CPU to flush subnormal floats to zero (FTZ/DAZ, `torch.set_flush_denormal`).

    Why: weight decay shrinks the weights of units that stopped learning towards zero, into
    subnormal values (below 1.2e-38) that x86 CPUs compute on about ten times slower. On 1.4 million
    rows a trial timed at 1.5 s an epoch ran 32 epochs in 249 s, 1,520 of the 4,096 weights of one
    layer subnormal; flushed, the same trial took 1.6 s an epoch (docs/training.md). Such values
    do not change what a network predicts; GPUs flush them already.

    The flag belongs to a thread, and the threads of torch's pool copy it from the main thread
    when they start: so this runs before any parallel work of the process (nas.search.prepared
    resolves the device before it loads data). It stays on for the process, the main thread's own
    float arithmetic (Python's, numpy's) included: a library user who needs subnormal float64
    values after a search turns it off (`torch.set_flush_denormal(False)`). numpy measures its
    float limits once, on first use; with the flag on it would find no subnormal and warn, so
    they are measured first."""
    import numpy as np
    import torch

    for kind in (np.float16, np.float32, np.float64, np.longdouble):
        np.finfo(kind)
    torch.set_flush_denormal(True)  # False where the CPU cannot: nothing to do then


def resolve_device(name: str = "auto") -> Any:
    """'auto' takes the GPU when there is one; 'cuda' / 'cuda:N' fail clearly when there is none.
    Every command that trains or runs a model resolves its device first: the CPU's subnormal
    floats are flushed from then on (flush_subnormals)."""
    import torch

    flush_subnormals()
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
