"""The issue's done-when figure from a stored Pareto study: is there a Pareto-optimal model within
1 accuracy point of the best at under a quarter of its parameters?

    nas search --task image --objectives accuracy,params --trials 40
    /tmp/venv/bin/python benchmarks/pareto_figure.py --storage sqlite:///studies/nas.db --study image-digits
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--storage", default="sqlite:///studies/nas.db")
    parser.add_argument("--study", default=None)
    parser.add_argument("--points", type=float, default=1.0, help="accuracy points below the best allowed")
    args = parser.parse_args()
    import optuna

    from nas.store import leaderboard, load_study, open_storage

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    study = load_study(args.study, open_storage(args.storage, create=False))
    front = leaderboard(study, pareto=True)
    best = front[0]
    print(f"study {study.study_name}: {len(leaderboard(study))} trained trials, {len(front)} on the Pareto front")
    print(f"{'trial':>6}{'val acc':>9}{'test acc':>9}{'params':>9}{'flops':>11}{'lat ms':>8}  architecture")
    for r in front:
        print(f"{r['trial']:>6}{r['value']:>9.4f}{r['test']:>9.4f}{r['params']:>9,}{r['flops']:>11,}"
              f"{r['latency_ms']:>8.3f}  {r['summary']}")
    close = [r for r in front if r["value"] >= best["value"] - args.points / 100]
    small = min(close, key=lambda r: r["params"])
    print(f"best: trial {best['trial']} val {best['value']:.4f} with {best['params']:,} parameters; smallest within "
          f"{args.points:g} point: trial {small['trial']} val {small['value']:.4f} with {small['params']:,} parameters "
          f"= {small['params'] / best['params']:.3f} of the best's ({'under' if small['params'] < best['params'] / 4 else 'NOT under'} a quarter)")


if __name__ == "__main__":
    main()
