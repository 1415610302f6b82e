"""`nas validate`: check a space file and show what it samples."""
from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from nas.commands._common import console, print_table, ranged

def validate(
    path: str = typer.Argument(..., help="Space YAML file to check (or a shipped space name)."),
    samples: int = ranged(3, "--samples", "How many random architectures to show."),
    seed: int = ranged(0, "--seed", "Seed of the shown samples."),
) -> None:
    """Check a space file: free parameters, size of the space, and a few sampled architectures."""
    from nas.search import resolve_space
    from nas.space import format_size
    from nas.sample import random_archs

    space = resolve_space("", path, None)
    free = space.free_parameters()
    families = ", ".join(space.families)
    what = f"space choosing among families {families}" if space.family_choice else f"{families} space"
    console.print(f"{space.source}: valid {what}", highlight=False)
    console.print(f"  {len(free)} free parameters: {', '.join(free)}", highlight=False)
    console.print(f"  size: {format_size(*space.size())}", highlight=False)
    if space.family_choice:
        for name, size in space.sizes().items():
            console.print(f"    {name}: {format_size(*size)}", highlight=False)
    if samples:
        _show_samples(space, random_archs(space, samples, seed))


# parameters are counted for the built-in default datasets' inputs
SHAPES: dict[str, tuple[int, ...]] = {"cnn": (1, 8, 8), "rnn": (8, 8), "conv1d": (8, 8), "rocket": (8, 8), "mlp": (30,)}


def _show_samples(space: Any, archs: list[Any]) -> None:
    import torch

    from nas.models import build_model, count_params, summarize

    inputs = ", ".join(f"{name} {SHAPES[name]}" for name in space.families)
    table = Table(title=f"sampled architectures (parameters for input {inputs}, 10 outputs)")
    for col in ("#", "architecture", "parameters", "training"):
        table.add_column(col)
    for i, arch in enumerate(archs):
        with torch.device("meta"):  # shapes only, no memory: a valid space may hold a 100 GB network
            params = count_params(build_model(arch, SHAPES[arch.family], 10))
        train = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in arch.train.items())
        table.add_row(str(i), summarize(arch), f"{params:,}", train)
    print_table(table)
