"""Does pruning pay at a fixed wall-clock budget? Best validation accuracy on digits, several seeds.

Each configuration runs `nas search --task image --space benchmarks/digits_small.yaml` (trials of
seconds, 8 epochs; `--space image` for the shipped space) for the same --timeout (no trial starts after
it; the running one finishes, so the real time is printed too), on a fresh store, for each seed:

    single objective:  --pruner none   vs  --pruner hyperband  (and median)
    two objectives:    --objectives accuracy,params with --pruner none vs the dominance rule

Timings on a shared machine are noisy, so the table reports medians over seeds and the ratio of
each configuration's median to its baseline's, measured in the same command.

    /tmp/venv/bin/python benchmarks/pruning.py --budget 60 --seeds 0 1 2
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CONFIGS = {  # name -> (objectives, pruner, baseline name)
    "1-obj none": (None, "none", "1-obj none"),
    "1-obj hyperband": (None, "hyperband", "1-obj none"),
    "1-obj median": (None, "median", "1-obj none"),
    "2-obj none": ("accuracy,params", "none", "2-obj none"),
    "2-obj dominance": ("accuracy,params", "median", "2-obj none"),
}


SPACE = str(Path(__file__).with_name("digits_small.yaml"))


def run(name: str, seed: int, budget: float, epochs: int | None, space: str) -> dict[str, float]:
    import optuna

    from nas.search import SearchConfig, run_search
    from nas.store import leaderboard

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    objectives, pruner, _ = CONFIGS[name]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = SearchConfig.from_flags(task="image", space=space, trials=10_000, timeout=budget, seed=seed, epochs=epochs, pruner=pruner,
                           objectives=objectives, storage=f"sqlite:///{tmp}/nas.db", artifacts=f"{tmp}/artifacts")
        started = time.perf_counter()
        result = run_search(cfg)
        seconds = time.perf_counter() - started
        study = optuna.load_study(study_name=result.study, storage=cfg.storage)
        rows = leaderboard(study)
        front = len(leaderboard(study, pareto=True)) if objectives else 1
    return {"best": rows[0]["value"] if rows else float("nan"), "complete": result.complete,
            "pruned": result.pruned, "seconds": seconds, "front": front}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=30.0, help="seconds per search")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=None, help="override the space's epochs")
    parser.add_argument("--space", default=SPACE, help="space file or shipped name [default: digits_small.yaml]")
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {c: [] for c in args.configs}
    for seed in args.seeds:  # interleave configurations, so load changes hit them alike
        for name in args.configs:
            r = run(name, seed, args.budget, args.epochs, args.space)
            results[name].append(r)
            print(f"seed {seed} {name:<16} best {r['best']:.4f}  {r['complete']} complete, {r['pruned']} pruned, "
                  f"{r['seconds']:.0f}s", flush=True)
    med = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in results.items()}
    print(f"\nbudget {args.budget:.0f}s per search, seeds {args.seeds}; medians over seeds")
    print(f"{'configuration':<17}{'best val acc':>13}{'vs baseline':>12}{'complete':>10}{'pruned':>8}"
          f"{'trials/min':>11}{'Pareto pts':>11}{'wins':>6}")
    for name, m in med.items():
        base_name = CONFIGS[name][2]
        base = med.get(base_name)
        ratio = f"{m['best'] / base['best']:.4f}" if base else "-"
        wins = sum(a["best"] > b["best"] for a, b in zip(results[name], results.get(base_name, []))) if base else 0
        rate = 60 * (m["complete"] + m["pruned"]) / m["seconds"]
        print(f"{name:<17}{m['best']:>13.4f}{ratio:>12}{m['complete']:>10.0f}{m['pruned']:>8.0f}{rate:>11.1f}"
              f"{m['front']:>11.0f}{wins:>4}/{len(args.seeds)}")


if __name__ == "__main__":
    main()
