"""Trainer overhead: `nas.train.fit` against a minimal hand-written PyTorch loop.

Same architecture (built by nas.models.build_model from the same seed), same tensors, batch
size, optimizer, learning rate and torch threads. Two like-for-like comparisons:

* train only: nas's epoch loop (`nas.train._train_epoch`) vs the hand loop's epoch, no validation;
* full fit: `fit` (train + validation score each epoch + best-weights snapshot) vs the hand loop
  that also scores the validation split each epoch (the least a user needs to pick an epoch).

Time is this process's CPU time (1 torch thread), steadier than wall time on a shared machine.
Runs alternate (nas, hand, nas, hand, ...); the ratio of the fastest runs (least disturbed by
other load) and the ratio of medians are reported.
"""
from __future__ import annotations

try:
    from benchmarks._common import interleaved, median, parse_quick, table
except ModuleNotFoundError:  # run as a script: python benchmarks/trainer.py
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import interleaved, median, parse_quick, table

import time
from typing import Any

ARCHS: dict[str, tuple[str, dict[str, Any]]] = {
    "cnn/digits": ("image", {"family": "cnn", "blocks": [
        {"channels": 32, "kernel": 3, "activation": "relu", "norm": "batch", "pool": "max", "dropout": 0.1},
        {"channels": 64, "kernel": 3, "activation": "relu", "norm": "batch", "pool": "none", "dropout": 0.1}],
        "head": {"pool": "flatten", "hidden": 64, "activation": "relu", "dropout": 0.2}}),
    "mlp/breast_cancer": ("tabular", {"family": "mlp", "layers": [
        {"width": 64, "activation": "relu", "norm": "none", "dropout": 0.1},
        {"width": 32, "activation": "relu", "norm": "none", "dropout": 0.0}]}),
    "rnn/digits_seq": ("sequence", {"family": "rnn",
        "frontend": {"channels": 0, "kernel": 3, "activation": "relu"},
        "rnn": {"cell": "gru", "hidden": 64, "layers": 1, "bidirectional": False, "dropout": 0.0, "pool": "last"},
        "head": {"hidden": 0, "activation": "relu", "dropout": 0.0}}),
}


def _hand_fit(model: Any, data: Any, lr: float, batch_size: int, epochs: int, seed: int, validate: bool) -> None:
    """What a user writes by hand: index-sliced batches, AdamW, optional val accuracy per epoch."""
    import torch
    import torch.nn.functional as F

    X, y, n = data.train.X, data.train.y, len(data.train)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n, generator=gen)
        for start in range(0, n, batch_size):
            idx = perm[start : start + batch_size]
            loss = F.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        if validate:
            model.eval()
            with torch.no_grad():
                float((model(data.val.X).argmax(1) == data.val.y).float().mean())


def _compare(label: str, task: str, body: dict[str, Any], epochs: int, repeats: int) -> list[list[Any]]:
    from nas.arch import Arch
    from nas.data import DataSpec, load_data
    from nas.models import build_model
    from nas.train import TrainConfig, _train_epoch, fit, prepare_run, seed_everything

    data = load_data(DataSpec(task=task))
    train = {"optimizer": "adamw", "lr": 1e-3, "weight_decay": 0.0, "batch_size": 64, "epochs": epochs, "scheduler": "none"}
    arch = Arch.from_dict({**body, "train": train})
    cfg = TrainConfig.from_arch(arch)

    def model() -> Any:
        seed_everything(0)
        return build_model(arch, data.input_shape, data.out_dim)

    def nas_train_only() -> None:
        run = prepare_run(model(), data, cfg, seed=0)
        for e in range(epochs):
            _train_epoch(run, e)

    times = interleaved({
        "nas train": nas_train_only,
        "hand train": lambda: _hand_fit(model(), data, cfg.lr, cfg.batch_size, epochs, 0, validate=False),
        "nas fit": lambda: fit(model(), data, cfg, seed=0),
        "hand train+val": lambda: _hand_fit(model(), data, cfg.lr, cfg.batch_size, epochs, 0, validate=True),
    }, repeats=repeats, clock=time.process_time)
    best = {k: min(v) / epochs * 1000 for k, v in times.items()}
    mid = {k: median(v) / epochs * 1000 for k, v in times.items()}
    pairs = (("train only", "nas train", "hand train"), ("fit (train+val)", "nas fit", "hand train+val"))
    return [[label, what, best[a], best[b], best[a] / best[b], mid[a] / mid[b]] for what, a, b in pairs]


def main(quick: bool = False) -> list[list[Any]]:
    import torch

    torch.set_num_threads(1)
    epochs, repeats = (5, 5) if quick else (10, 11)
    rows: list[list[Any]] = []
    for label, (task, body) in ARCHS.items():
        rows += _compare(label, task, body, epochs, repeats)
    table(f"1. Trainer overhead: CPU ms per epoch (process time), best of {repeats} interleaved runs of {epochs} epochs, "
          f"batch 64, AdamW, 1 torch thread (target ratio <= 1.05)",
          ["model/data", "what", "nas ms (min)", "hand ms (min)", "ratio of mins", "ratio of medians"], rows)
    return rows


if __name__ == "__main__":
    main(parse_quick())
