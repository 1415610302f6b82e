"""Subnormal floats on the CPU: what they cost a training step, and what flushing them saves.

Weight decay shrinks the weights of units that stopped learning towards zero; below 1.2e-38 they
are subnormal, and x86 CPUs compute on them far slower. nas flushes them to zero where a command
resolves its device (nas.device.flush_subnormals). The flag belongs to a thread, and torch's pool
threads copy it when they start, so each measurement runs in a fresh process that sets the flag
(or not) first; the processes alternate, off and on (A B A B: noise hits both alike), 2 threads:

1. the mechanism: forward and backward of a 4-layer MLP on a batch of 4,244 rows (the batch nas
   takes on 850,000 training rows), its weights as trained, then with half of one hidden layer's
   rows subnormal (what a trial's checkpoint held: 1,520 of 4,096 weights of one layer);
2. with `--data CSV --target T`: a real fit, the network and recipe of the trial that showed it
   (1.4 million rows of openintro's military table: fc64-gelu-layer norm, fc64-silu-batch norm,
   fc16-tanh-batch norm; Adam lr 0.0208, weight decay 0.00168, cosine, patience 20), from seed 0
   with the flag off and then on: seconds, epochs, seconds an epoch, subnormal weights at the end.

    python benchmarks/denormals.py [--data military.csv --target branch --epochs 40]
"""
from __future__ import annotations

try:
    from benchmarks._common import median, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import median, table

import argparse
import json
import subprocess
import sys
import time
from typing import Any

LAYERS = [{"width": 64, "activation": "gelu", "norm": "layer", "dropout": 0.119},
          {"width": 64, "activation": "silu", "norm": "batch", "dropout": 0.090},
          {"width": 16, "activation": "tanh", "norm": "batch", "dropout": 0.129}]
TRAIN = {"optimizer": "adam", "lr": 0.0208, "weight_decay": 0.00168, "batch_size": 64, "scheduler": "cosine",
         "patience": 20}


def _subnormal(model: Any) -> int:
    import torch

    tiny = torch.finfo(torch.float32).tiny
    return sum(int(((p != 0) & (p.abs() < tiny)).sum()) for p in model.state_dict().values() if p.is_floating_point())


def mechanism() -> dict[str, float]:
    """Seconds of 20 forward + backward passes, as trained and with half a layer subnormal."""
    import torch

    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(15, 64), torch.nn.GELU(), torch.nn.Linear(64, 64), torch.nn.SiLU(),
                              torch.nn.Linear(64, 16), torch.nn.Tanh(), torch.nn.Linear(16, 4))
    x, y = torch.randn(4244, 15), torch.randint(0, 4, (4244,))

    def passes() -> float:
        start = time.perf_counter()
        for _ in range(20):
            net.zero_grad()
            torch.nn.functional.cross_entropy(net(x), y).backward()
        return time.perf_counter() - start

    passes()  # warm-up
    clean = passes()
    with torch.no_grad():  # subnormal in any case: these are set bits, not the product of a multiply
        tiny = torch.full((32, 64), 1e-40).view(torch.int32).view(torch.float32)
        net[2].weight[:32] = tiny
    return {"as trained": clean, "half a layer subnormal": passes()}


def real_fit(path: str, target: str, epochs: int) -> dict[str, float]:
    """The military trial's network fitted from seed 0: seconds, epochs, subnormal weights, validation."""
    from nas.arch import Arch
    from nas.data import DataSpec, load_data
    from nas.models import build_model
    from nas.train import TrainConfig, fit, seed_everything

    data = load_data(DataSpec(task="tabular", path=path, target=target))
    seed_everything(0)
    model = build_model(Arch("mlp", {"layers": LAYERS}, {}), data.input_shape, data.out_dim)
    start = time.perf_counter()
    result = fit(model, data, TrainConfig(epochs=epochs, **TRAIN), seed=0)
    return {"seconds": time.perf_counter() - start, "epochs": len(result.curve), "subnormal": _subnormal(model),
            "validation": result.best_value, "rows": len(data.train)}


def child(flush: bool, args: argparse.Namespace) -> None:
    """One measurement in this fresh process, the flag set as nas sets it (or left off) before
    anything runs."""
    import torch

    from nas.device import flush_subnormals

    if flush:
        flush_subnormals()
    torch.set_num_threads(2)
    print(json.dumps(real_fit(args.data, args.target, args.epochs) if args.data else mechanism()))


def measure(flush: bool, args: argparse.Namespace) -> dict[str, float]:
    cmd = [sys.executable, __file__, "--child", "on" if flush else "off", "--epochs", str(args.epochs)]
    cmd += ["--data", args.data, "--target", args.target] if args.data else []
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="a CSV table (the real fit; e.g. openintro's military.csv)")
    parser.add_argument("--target")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5, help="rounds of the mechanism (the real fit: 1)")
    parser.add_argument("--child", choices=["off", "on"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child == "on", args)
        return
    if not args.data:
        rounds = [{flush: measure(flush, args) for flush in (False, True)} for _ in range(args.repeats)]
        base = median([r[False]["as trained"] for r in rounds])
        table(f"20 forward + backward passes, batch 4,244, 2 threads (median of {args.repeats} rounds of fresh processes)",
              ["weights", "flag", "seconds", "time / as trained, flag off"],
              [[name, "on" if flush else "off", median([r[flush][name] for r in rounds]),
                median([r[flush][name] for r in rounds]) / base]
               for name in ("as trained", "half a layer subnormal") for flush in (False, True)])
        return
    fits = {flush: measure(flush, args) for flush in (False, True)}
    table(f"{args.data}: {fits[False]['rows']:,} training rows, up to {args.epochs} epochs, 2 threads",
          ["flag", "seconds", "epochs", "seconds / epoch", "subnormal weights at the end", "best validation"],
          [["on" if flush else "off", f["seconds"], f["epochs"], f["seconds"] / f["epochs"], f["subnormal"], f["validation"]]
           for flush, f in fits.items()]
          + [["off / on", fits[False]["seconds"] / fits[True]["seconds"], "",
              (fits[False]["seconds"] / fits[False]["epochs"]) / (fits[True]["seconds"] / fits[True]["epochs"]), "", ""]])


if __name__ == "__main__":
    main()
