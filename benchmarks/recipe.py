"""Training recipe: does nas fit simple models to their optimum, and what do the train keys buy?

1. Depth 0 against scikit-learn. An MLP of depth 0 is the same model class as the baseline nas
   prints (linear regression / logistic regression); on the same split its test figure should
   match. Rows: nas's depth-0 test figure with full-batch L-BFGS (weight decay fixed, and chosen
   on validation from a small grid with ties to the lower validation loss, as a search would), and
   with the old tabular recipe (AdamW at the middle and the top of its lr range) for contrast; the
   scikit-learn model's test figure on the same split; their ratio.
2. `--tables`: a fixed MLP (2 x 64 relu) on six real tables (built-ins, plus iris from
   scikit-learn and anes96 / star98 from statsmodels), three splits x two seeds per recipe: the
   mean gap to the baseline's test figure (points of accuracy, or relative RMSE excess; lower
   is better). What the shipped tabular space's training defaults are based on.
3. `--images`: a small CNN on digits, five seeds, with and without each image augmentation.
4. `--spaces N`: N architectures drawn from each shipped space, trained with the space's train
   section as shipped and as it was before the train keys existed, on real data per task (the
   tables of part 2; digits; digits_seq and two UCR sets bundled with aeon).
5. `--sequences`: a conv + GRU on two UCR sets bundled with aeon, 3 seeds: epochs / batch size and
   each sequence augmentation.

Every row is measured in this process against a baseline fitted in the same command; the
machine is shared, so times are CPU seconds of this process (1 torch thread).
"""
from __future__ import annotations

try:
    from benchmarks._common import ROOT, table
except ModuleNotFoundError:  # run as a script: python benchmarks/recipe.py
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import ROOT, table

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEPTH0 = {"diabetes": "tabular", "breast_cancer": "tabular", "digits": "image"}
OLD_TABULAR = {"optimizer": "adamw", "lr": 1e-2, "batch_size": 32, "epochs": 40}  # the old space's middle
OLD_TOP = {"optimizer": "adamw", "lr": 3e-2, "batch_size": 16, "epochs": 40}  # its largest lr, smallest batch
LBFGS = {"optimizer": "lbfgs", "epochs": 50, "patience": 5}
WD_GRID = (1e-4, 1e-3, 1e-2)


def _fit(data: Any, body: dict[str, Any], train: dict[str, Any], seed: int = 0) -> tuple[Any, Any, float]:
    """(model, FitResult, CPU seconds) of one fit of `body` with the train keys `train`."""
    from nas.arch import Arch
    from nas.models import build_model
    from nas.train import TrainConfig, fit, seed_everything

    seed_everything(seed)
    model = build_model(Arch(body["family"], {k: v for k, v in body.items() if k != "family"}, {}),
                        data.input_shape, data.out_dim)
    started = time.process_time()
    result = fit(model, data, TrainConfig(**train), seed=seed)
    return model, result, time.process_time() - started


def _chosen_on_validation(data: Any, body: dict[str, Any]) -> tuple[float, float, float]:
    """Weight decay picked on validation (ties: lower validation loss): (wd, test figure, seconds)."""
    from nas.metrics import score

    sign = -1 if data.direction == "maximize" else 1
    runs = []
    for wd in WD_GRID:
        model, r, sec = _fit(data, body, {**LBFGS, "weight_decay": wd})
        runs.append(((sign * r.best_value, r.loss_curve[r.best_epoch]), wd, score(model, data.test, data), sec))
    _, wd, test, _ = min(runs, key=lambda run: run[0])
    return wd, test, sum(run[3] for run in runs)


def depth0() -> None:
    from nas.baseline import fit_baseline
    from nas.data import DataSpec, load_data
    from nas.metrics import score

    rows = []
    body = {"family": "mlp", "layers": []}
    for name, task in DEPTH0.items():
        data = load_data(DataSpec(task=task, dataset=name))
        base = fit_baseline(data)
        theirs = base["test"][data.metric]
        recipes = {"lbfgs, wd 1e-4": {**LBFGS, "weight_decay": 1e-4}, "lbfgs, wd 1e-2": {**LBFGS, "weight_decay": 1e-2},
                   "adamw lr 1e-2, batch 32, 40 epochs (old)": OLD_TABULAR,
                   "adamw lr 3e-2, batch 16, 40 epochs (old)": OLD_TOP}
        for label, train in recipes.items():
            model, _, sec = _fit(data, body, train)
            ours = score(model, data.test, data)
            rows.append([name, label, data.metric, f"{ours:.4f}", f"{theirs:.4f}", f"{ours / theirs:.4f}", sec])
        wd, ours, sec = _chosen_on_validation(data, body)
        rows.append([name, f"lbfgs, wd {wd:g} chosen on val", data.metric, f"{ours:.4f}", f"{theirs:.4f}",
                     f"{ours / theirs:.4f}", sec])
        rows.append([name, f"({base['model']}, {len(data.train)}/{len(data.val)}/{len(data.test)} rows)", "", "", "", "", ""])
    table("1. Depth 0 (linear / logistic regression) against scikit-learn on the same split, test figures",
          ["data", "nas recipe", "metric", "nas test", "sklearn test", "ratio", "cpu s"], rows)


def _table_specs(folder: Path) -> dict[str, Any]:
    """Six real tables: three built-ins and three written as CSV from scikit-learn / statsmodels copies."""
    import statsmodels.api as sm
    from sklearn.datasets import load_iris

    from nas.data import DataSpec

    iris = load_iris(as_frame=True).frame
    iris["target"] = iris["target"].map(dict(enumerate(["setosa", "versicolor", "virginica"])))
    iris.to_csv(folder / "iris.csv", index=False)
    anes = sm.datasets.anes96.load_pandas().data
    anes["vote"] = anes["vote"].map({0: "clinton", 1: "dole"})
    anes.to_csv(folder / "anes96.csv", index=False)
    sm.datasets.star98.load_pandas().data.drop(columns=["NBELOW"]).to_csv(folder / "star98.csv", index=False)
    built = {n: lambda seed, n=n: DataSpec(task="tabular", dataset=n, seed=seed) for n in ("breast_cancer", "diabetes", "wine")}
    files = {"iris": "target", "anes96": "vote", "star98": "NABOVE"}
    return {**built, **{n: lambda seed, n=n, t=t: DataSpec(task="tabular", path=str(folder / f"{n}.csv"), target=t, seed=seed)
                        for n, t in files.items()}}


TABLE_RECIPES: dict[str, dict[str, Any]] = {
    "adamw lr 1e-2, 40 ep (old space mid)": {"lr": 1e-2, "epochs": 40, "batch_size": 32},
    "adamw lr 3e-3, 40 ep": {"lr": 3e-3, "epochs": 40, "batch_size": 32},
    "adamw lr 3e-3, 200 ep, patience 20": {"lr": 3e-3, "epochs": 200, "batch_size": 32, "patience": 20},
    "  + cosine": {"lr": 3e-3, "epochs": 200, "batch_size": 32, "patience": 20, "scheduler": "cosine"},
    "  + weight decay 0.1": {"lr": 3e-3, "epochs": 200, "batch_size": 32, "patience": 20, "weight_decay": 0.1},
    "  + ema 0.95": {"lr": 3e-3, "epochs": 200, "batch_size": 32, "patience": 20, "ema": 0.95},
    "  + jitter 0.1": {"lr": 3e-3, "epochs": 200, "batch_size": 32, "patience": 20, "jitter": 0.1},
    "  + label smoothing 0.1": {"lr": 3e-3, "epochs": 200, "batch_size": 32, "patience": 20, "label_smoothing": 0.1},
    "lbfgs wd 1e-3, 50 ep, patience 5": {"optimizer": "lbfgs", "weight_decay": 1e-3, "epochs": 50, "patience": 5},
    "lbfgs wd 1e-2, 50 ep, patience 5": {"optimizer": "lbfgs", "weight_decay": 1e-2, "epochs": 50, "patience": 5},
}


def tables() -> None:
    from nas.baseline import fit_baseline
    from nas.data import load_data
    from nas.metrics import score

    body = {"family": "mlp", "layers": [{"width": 64, "activation": "relu"}] * 2}
    gaps: dict[str, dict[str, list[float]]] = {r: {} for r in TABLE_RECIPES}
    seconds: dict[str, float] = {r: 0.0 for r in TABLE_RECIPES}
    epochs: dict[str, list[int]] = {r: [] for r in TABLE_RECIPES}
    with tempfile.TemporaryDirectory() as tmp:
        specs = _table_specs(Path(tmp))
        for split in (0, 1, 2):
            for name, spec in specs.items():
                data = load_data(spec(split))
                base = fit_baseline(data)["test"][data.metric]
                for recipe, train in TABLE_RECIPES.items():
                    for seed in (0, 1):
                        model, r, sec = _fit(data, body, train, seed)
                        test = score(model, data.test, data)
                        gap = test / base - 1 if data.kind == "regression" else base - test
                        gaps[recipe].setdefault(name, []).append(gap)
                        seconds[recipe] += sec
                        epochs[recipe].append(len(r.curve))
    names = list(specs)
    rows = [[recipe, *(statistics.mean(gaps[recipe][n]) for n in names),
             statistics.mean(statistics.mean(gaps[recipe][n]) for n in names), statistics.mean(epochs[recipe]),
             seconds[recipe]]
            for recipe in TABLE_RECIPES]
    table("2. MLP 2x64 relu on real tables: test gap to the baseline (accuracy points / relative RMSE excess; "
          "lower is better), mean of 3 splits x 2 seeds", ["recipe", *names, "mean", "mean epochs run", "cpu s"], rows)


IMAGE_RECIPES: dict[str, dict[str, Any]] = {
    "none": {}, "crop 1": {"crop": 1}, "flip": {"flip": True}, "trivial_augment": {"trivial_augment": True},
    "crop 1 + trivial_augment": {"crop": 1, "trivial_augment": True}, "ema 0.9": {"ema": 0.9}, "ema 0.99": {"ema": 0.99},
    "label smoothing 0.1": {"label_smoothing": 0.1},
    "trivial_augment + label smoothing 0.1": {"trivial_augment": True, "label_smoothing": 0.1},
}
SEEDS = (0, 1, 2, 3, 4)


def images(epochs: int) -> None:
    from nas.data import DataSpec, load_data
    from nas.metrics import score

    data = load_data(DataSpec(task="image", dataset="digits"))
    body = {"family": "cnn", "blocks": [{"channels": 32, "kernel": 3, "norm": "batch", "pool": "max"},
                                        {"channels": 64, "kernel": 3, "norm": "batch", "pool": "max"}],
            "head": {"pool": "flatten", "hidden": 0}}
    rows = []
    for label, extra in IMAGE_RECIPES.items():
        train = {"lr": 3e-3, "batch_size": 64, "epochs": epochs, "scheduler": "cosine", **extra}
        runs = [_fit(data, body, train, seed) for seed in SEEDS]
        vals = [r.best_value for _, r, _ in runs]
        tests = [score(m, data.test, data) for m, _, _ in runs]
        rows.append([label, f"{statistics.mean(vals):.4f}", f"{statistics.mean(tests):.4f}", f"{min(tests):.4f}",
                     sum(s for *_, s in runs)])
    table(f"3. CNN 32-64 on digits ({len(data.train)}/{len(data.val)}/{len(data.test)} rows), {epochs} epochs, "
          f"cosine: mean of {len(SEEDS)} seeds", ["train keys", "val", "test", "worst test", "cpu s"], rows)


SEQUENCE_RECIPES: dict[str, dict[str, Any]] = {
    "60 epochs, batch 32": {"epochs": 60, "batch_size": 32},
    "300 epochs, batch 16, patience 30": {"epochs": 300, "batch_size": 16, "patience": 30},
    "  + scaling 0.1": {"epochs": 300, "batch_size": 16, "patience": 30, "scaling": 0.1},
    "  + jitter 0.05": {"epochs": 300, "batch_size": 16, "patience": 30, "jitter": 0.05},
    "  + shift 2": {"epochs": 300, "batch_size": 16, "patience": 30, "shift": 2},
    "  + window_crop 0.1": {"epochs": 300, "batch_size": 16, "patience": 30, "window_crop": 0.1},
    "  + ema 0.9": {"epochs": 300, "batch_size": 16, "patience": 30, "ema": 0.9},
}


def sequences() -> None:
    from nas.baseline import fit_baseline
    from nas.data import load_data
    from nas.metrics import score

    body = {"family": "rnn", "frontend": {"channels": 32, "kernel": 5, "activation": "relu"},
            "rnn": {"cell": "gru", "hidden": 64, "layers": 1, "pool": "mean"}, "head": {"hidden": 0}}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, spec in _ucr_specs(Path(tmp)).items():
            data = load_data(spec(0))
            rows.append([name, f"(logistic regression {fit_baseline(data)['test']['accuracy']:.4f})", "", "", "", ""])
            for label, train in SEQUENCE_RECIPES.items():
                runs = [_fit(data, body, {"lr": 3e-3, **train}, seed) for seed in (0, 1, 2)]
                rows.append([name, label, f"{statistics.mean(score(m, data.test, data) for m, _, _ in runs):.4f}",
                             f"{statistics.mean(r.best_value for _, r, _ in runs):.3f}",
                             statistics.mean(len(r.curve) for _, r, _ in runs), sum(sec for *_, sec in runs)])
    table("5. conv32k5 + GRU64 (mean pool) on UCR sets: mean of 3 seeds", ["data", "train keys", "test", "val",
                                                                          "epochs run", "cpu s"], rows)


# The train sections of the shipped spaces before the train keys existed: part 4 samples the same
# architectures from each shipped space with its train section as it is, and as it was.
OLD_TRAIN: dict[str, dict[str, Any]] = {
    "tabular": {"optimizer": ["adam", "adamw"], "lr": {"low": 1e-3, "high": 3e-2, "log": True},
                "weight_decay": {"low": 1e-6, "high": 1e-2, "log": True}, "batch_size": [16, 32, 64], "epochs": 40,
                "scheduler": ["none", "cosine"]},
    "image": {"optimizer": ["adam", "adamw"], "lr": {"low": 3e-4, "high": 1e-2, "log": True},
              "weight_decay": {"low": 1e-6, "high": 1e-3, "log": True}, "batch_size": [32, 64, 128], "epochs": 12,
              "scheduler": ["none", "cosine"]},
    "sequence": {"optimizer": ["adam", "adamw"], "lr": {"low": 1e-3, "high": 2e-2, "log": True},
                 "weight_decay": {"low": 1e-6, "high": 1e-3, "log": True}, "batch_size": [32, 64], "epochs": 15,
                 "scheduler": ["none", "cosine"]},
}


def _ucr_specs(folder: Path) -> dict[str, Any]:
    """UCR sets bundled with aeon as NPZ: the official TRAIN split cut 75/25 (stratified) into
    train / validation, the official TEST split as test."""
    import numpy as np
    from aeon.datasets import load_classification
    from sklearn.model_selection import train_test_split

    from nas.data import DataSpec

    specs = {}
    for name in ("ItalyPowerDemand", "GunPoint"):
        X, y = load_classification(name, split="train")
        Xt, yt = load_classification(name, split="test")
        X, Xt = X.transpose(0, 2, 1).astype("float32"), Xt.transpose(0, 2, 1).astype("float32")
        a, b = train_test_split(np.arange(len(y)), test_size=0.25, random_state=0, stratify=y)
        path = folder / f"{name}.npz"
        np.savez(path, X_train=X[a], y_train=y[a].astype(str), X_val=X[b], y_val=y[b].astype(str),
                 X_test=Xt, y_test=yt.astype(str))
        specs[name] = lambda seed, path=path: DataSpec(task="sequence", path=str(path), seed=seed)
    return specs


def _sample_space(space: Any, data: Any, archs: int) -> dict[str, float]:
    """Train `archs` architectures drawn from `space` (seed 1); their test gaps to the baseline."""
    from nas.baseline import fit_baseline
    from nas.metrics import score
    from nas.models import build_model
    from nas.sample import random_archs
    from nas.train import TrainConfig, fit, seed_everything

    base = fit_baseline(data)["test"][data.metric]
    sign = -1 if data.direction == "maximize" else 1
    runs = []
    for i, arch in enumerate(random_archs(space, archs, seed=1)):
        seed_everything(i)
        model = build_model(arch, data.input_shape, data.out_dim)
        started = time.process_time()
        r = fit(model, data, TrainConfig.from_arch(arch), seed=i)
        test = score(model, data.test, data)
        runs.append({"key": (sign * r.best_value, r.loss_curve[r.best_epoch]), "epochs": len(r.curve),
                     "gap": test / base - 1 if data.kind == "regression" else base - test,
                     "seconds": time.process_time() - started})
    gaps = [r["gap"] for r in runs]
    return {"mean gap": statistics.mean(gaps), "at least baseline": sum(g <= 0 for g in gaps),
            "chosen on val": min(runs, key=lambda r: r["key"])["gap"],
            "mean epochs": statistics.mean(r["epochs"] for r in runs), "cpu s": sum(r["seconds"] for r in runs)}


def spaces(archs: int) -> None:
    from nas.data import DataSpec, load_data
    from nas.space import load_space, parse_space

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data_of = {"tabular": _table_specs(Path(tmp)),
                   "image": {"digits": lambda seed: DataSpec(task="image", dataset="digits", seed=seed)},
                   "sequence": {"digits_seq": lambda seed: DataSpec(task="sequence", dataset="digits_seq", seed=seed),
                                **_ucr_specs(Path(tmp))}}
        for task, sets in data_of.items():
            now = load_space(ROOT / "search_spaces" / f"{task}.yaml")  # this checkout's, not an installed nas's
            before = parse_space({**now.to_dict(), "train": OLD_TRAIN[task]})
            for name, spec in sets.items():
                data = load_data(spec(0))
                for label, space in (("before", before), ("shipped", now)):
                    row = _sample_space(space, data, archs)
                    rows.append([task, name, label, *(f"{v:+.4f}" if k in ("mean gap", "chosen on val") else v
                                                      for k, v in row.items())])
                    print(*rows[-1], file=sys.stderr, flush=True)  # progress: part 4 takes a while
    table(f"4. {archs} architectures drawn from each shipped space, its train section before / now: test gap to the "
          "baseline (accuracy points / relative RMSE excess; lower is better)",
          ["task", "data", "train section", "mean gap", "at least baseline", "chosen on val", "mean epochs", "cpu s"], rows)


def main() -> None:
    import torch

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tables", action="store_true", help="also part 2: recipes for deeper MLPs on six real tables (~10 min)")
    p.add_argument("--images", action="store_true", help="also part 3: image augmentation on digits (~5 min)")
    p.add_argument("--epochs", type=int, default=30, help="epochs of part 3")
    p.add_argument("--sequences", action="store_true", help="also part 5: sequence recipes on two UCR sets (~6 min)")
    p.add_argument("--spaces", type=int, default=0, metavar="N",
                   help="also part 4: N architectures from each shipped space, train section before / now")
    args = p.parse_args()
    torch.set_num_threads(1)
    depth0()
    if args.tables:
        tables()
    if args.images:
        images(args.epochs)
    if args.sequences:
        sequences()
    if args.spaces:
        spaces(args.spaces)


if __name__ == "__main__":
    main()
