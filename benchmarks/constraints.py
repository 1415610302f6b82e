"""What a cost limit saves: reject before training vs train everything and filter afterwards.

Same study seed, same number of trials, on digits: (a) `--max-params LIMIT` (violators are
rejected untrained and the sampler learns feasibility), (b) no limit, then keep the trials under
LIMIT. Prints wall time, trained and feasible trials, seconds per feasible model, and ratios.

    /tmp/venv/bin/python benchmarks/constraints.py --limit 5000 --trials 16 --epochs 4
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run(limit: float | None, filter_at: float, trials: int, epochs: int, seed: int) -> dict[str, float]:
    import optuna

    from nas.search import SearchConfig, run_search

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = SearchConfig.from_flags(task="image", trials=trials, epochs=epochs, seed=seed, max_params=limit,
                           storage=f"sqlite:///{tmp}/nas.db", artifacts=f"{tmp}/artifacts")
        started = time.perf_counter()
        result = run_search(cfg)
        seconds = time.perf_counter() - started
        trials_ = optuna.load_study(study_name=result.study, storage=cfg.storage).trials
    trained = [t for t in trials_ if "train_seconds" in t.user_attrs or t.state.name == "PRUNED"]
    feasible = [t for t in trials_ if t.state.name == "COMPLETE" and not t.user_attrs.get("rejected")
                and t.user_attrs["params"] <= filter_at]
    best = max((t.values[0] for t in feasible), default=float("nan"))
    rejected = [t for t in trials_ if t.user_attrs.get("rejected")]
    reject_s = [(t.datetime_complete - t.datetime_start).total_seconds() for t in rejected]
    return {"seconds": seconds, "trained": len(trained), "feasible": len(feasible), "best": best,
            "rejected": len(rejected), "reject_s": statistics.median(reject_s) if reject_s else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=5000)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    a = run(args.limit, args.limit, args.trials, args.epochs, args.seed)
    b = run(None, args.limit, args.trials, args.epochs, args.seed)
    print(f"digits, {args.trials} trials of {args.epochs} epochs, limit {args.limit:,.0f} parameters, seed {args.seed}")
    print(f"{'':<28}{'wall s':>8}{'trained':>9}{'rejected':>9}{'feasible':>9}{'s/feasible':>11}{'best feasible':>14}")
    for name, r in (("reject before training", a), ("train all, filter after", b)):
        per = r["seconds"] / r["feasible"] if r["feasible"] else float("inf")
        print(f"{name:<28}{r['seconds']:>8.1f}{r['trained']:>9}{r['rejected']:>9}{r['feasible']:>9}{per:>11.1f}{r['best']:>14.4f}")
    print(f"wall time ratio (reject / filter): {a['seconds'] / b['seconds']:.2f}; median rejected trial "
          f"{a['reject_s']:.2f}s from start to finish (sampling, measuring, Optuna's SQLite writes)")


if __name__ == "__main__":
    main()
