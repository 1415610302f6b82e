"""Which trial a cross-validated search ships: the one-standard-error rule, paired or not, or the best.

A default search (5 folds, 20 trials) per dataset and seed; then three rules pick rank 1 from the
same stored trials, and each choice's final model (the ensemble of its fold models; the refit for
a windowed series, as nas ships them: nas.search.refit) is scored once on the untouched test split,
beside nas's printed baseline of the same split:

- `paired` (nas's rule): the fewest parameters among the trials within one standard error of the
  best, the error of their fold-by-fold difference (nas.store.leaderboard.one_se_choice);
- `unpaired`: the same with the error of the best trial's mean (the rule before 2026-12-04);
- `best`: the best cross-validated mean, no rule;
- `closed`: the paired rule closed under a better mean (a candidate at least as good as an
  admitted one is admitted too), then the fewest parameters (tried 2026-12-06, not kept:
  docs/benchmarks.md).

A classifier's rule stays in the leader's family in both variants (nas.store.leaderboard.ONE_SE_SCOPE).
The tables are statsmodels' (written as CSVs, as a user would have them) and scikit-learn's
built-ins; nothing is downloaded.

    python benchmarks/rank_rule.py [--datasets grunfeld,diabetes,...] [--seeds 0,1,2]
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
import math
import tempfile
from pathlib import Path
from typing import Any

# statsmodels dataset -> the column to predict (its documented endogenous variable)
STATSMODELS = {"grunfeld": "invest", "star98": "NABOVE", "statecrime": "murder", "strikes": "duration",
               "stackloss": "STACKLOSS", "engel": "income", "ccard": "AVGEXP", "copper": "WORLDCONSUMPTION",
               "heart": "survival", "cancer": "cancer", "scotland": "YES", "anes96": "PID", "spector": "GRADE"}
BUILTINS = ("diabetes", "breast_cancer", "wine", "iris")


def _flags(name: str, folder: Path) -> dict[str, Any]:
    if name in BUILTINS:
        return {"task": "tabular", "dataset": name}
    import statsmodels.api as sm

    path = folder / f"{name}.csv"
    getattr(sm.datasets, name).load_pandas().data.to_csv(path, index=False)
    return {"data": str(path), "target": STATSMODELS[name]}


def _params(trial: Any) -> float:
    params = trial.user_attrs.get("params")
    return params if isinstance(params, int) else math.inf


def choices(study: Any, maximize: bool, kind: str | None) -> dict[str, Any]:
    """Rank 1 by each rule, from the study's ranked trials."""
    from nas.store import ranked_trials
    from nas.store.leaderboard import ONE_SE_SCOPE, _paired_error, standard_error

    ranked = ranked_trials(study)
    ordered = sorted(ranked, key=lambda t: -t.values[0] if maximize else t.values[0])
    best, scope = ordered[0], ONE_SE_SCOPE.get(kind, lambda best, trial: True)
    se = standard_error(best)

    def gap(t: Any) -> float:
        return best.values[0] - t.values[0] if maximize else t.values[0] - best.values[0]

    def fewest(trials: list[Any]) -> Any:
        return min(trials, key=lambda t: (_params(t), ordered.index(t)))

    within = [t for t in ordered if scope(best, t) and gap(t) <= se]
    def paired_error(t: Any) -> float:
        error = _paired_error(best, t)
        return se if error is None else error

    paired = [t for t in ordered if scope(best, t) and gap(t) <= paired_error(t)]
    reach = max(gap(t) for t in paired)  # closed: a candidate at least as good as an admitted one is admitted too
    closed = [t for t in ordered if scope(best, t) and gap(t) <= reach]
    return {"paired": ranked[0], "unpaired": fewest(within), "best": best, "closed": fewest(closed)}


def compare(name: str, seed: int, folder: Path) -> list[Any] | None:
    import optuna
    import torch

    from nas.data import DataSpec, load_data, make_folds
    from nas.search import SearchConfig, run_search, stored_seed
    from nas.search.refit import ensemble_trial, refit_trial
    from nas.store import artifact_store, study_record

    study_name = f"{name}-{seed}"
    cfg = SearchConfig.from_flags(seed=seed, threads=1, storage=f"sqlite:///{folder / 'nas.db'}",
                                  artifacts=str(folder / "artifacts"), study=study_name, **_flags(name, folder))
    result = run_search(cfg)
    study = optuna.load_study(study_name=study_name, storage=cfg.storage)
    record, metric = study_record(study), study.user_attrs["nas"]["metric"]
    if record.cv < 2:
        return None  # a holdout study: no rule applies
    data = load_data(DataSpec.from_dict(record.data_spec))
    folds, store, cpu = make_folds(data, record.cv, record.seed), artifact_store(cfg.storage, cfg.artifacts), torch.device("cpu")
    tests: dict[int, float] = {}
    row: list[Any] = [name, seed]
    for trial in choices(study, metric == "accuracy", record.data.get("kind")).values():
        if trial.number not in tests:
            seed_of = stored_seed(trial, record.seed)
            final = (refit_trial(study, trial, data, cpu, store, seed_of) if "window" in data.preprocessing
                     else ensemble_trial(study, trial, data, folds, cpu, store, seed_of))
            tests[trial.number] = final["refit_test"]
        row.append(f"{tests[trial.number]:.4f} (trial {trial.number}, {_params(trial):,} params)")
    return row + [f"{result.baseline['test'][metric]:.4f}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join([*STATSMODELS, *BUILTINS]))
    parser.add_argument("--seeds", default="0,1,2")
    args = parser.parse_args()
    quiet()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in (int(s) for s in args.seeds.split(",")):
            for name in args.datasets.split(","):
                if (row := compare(name, seed, Path(tmp))) is not None:
                    rows.append(row)
    table("rank 1 by rule: its final model's test figure (RMSE or accuracy) beside nas's printed baseline",
          ["data", "seed", "paired (nas)", "unpaired", "best", "closed", "baseline"], rows)


if __name__ == "__main__":
    main()
