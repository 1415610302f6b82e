"""Built-in datasets that ship inside installed packages (scikit-learn): nothing is downloaded.

Each loader returns raw arrays (X, y) and a description; `nas.data.load_data` splits and
standardises them the same way it does the user's own files.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Raw:
    """Raw arrays before splitting. `scale` multiplies inputs before standardising."""

    X: np.ndarray
    y: np.ndarray
    kind: str
    class_names: list[str]
    source: str
    scale: float = 1.0
    columns: list[str] | None = None  # feature names of a table, in order (CSV prediction needs them)


def _digits_image() -> Raw:
    from sklearn.datasets import load_digits

    d = load_digits()
    X = d.images.astype(np.float32)[:, None, :, :]  # (N, 1, 8, 8)
    return Raw(X, d.target, "classification", [str(c) for c in d.target_names],
               "scikit-learn load_digits (8x8 grayscale, values 0-16)", scale=1 / 16)


def _digits_sequence() -> Raw:
    from sklearn.datasets import load_digits

    d = load_digits()
    X = d.images.astype(np.float32)  # (N, 8 steps, 8 features): rows read top to bottom
    return Raw(X, d.target, "classification", [str(c) for c in d.target_names],
               "scikit-learn load_digits, each image read row by row as 8 steps of 8 features", scale=1 / 16)


def _sklearn_table(loader_name: str, kind: str) -> Callable[[], Raw]:
    def load() -> Raw:
        import sklearn.datasets

        d = getattr(sklearn.datasets, loader_name)()
        names = [str(c) for c in getattr(d, "target_names", [])] if kind == "classification" else []
        return Raw(d.data.astype(np.float32), d.target, kind, names, f"scikit-learn {loader_name}",
                   columns=[str(c) for c in d.feature_names])

    return load


@dataclass(frozen=True)
class BuiltinDataset:
    task: str
    load: Callable[[], Raw]
    summary: str


BUILTINS: dict[str, BuiltinDataset] = {
    "digits": BuiltinDataset("image", _digits_image, "handwritten digits, 1797 images 8x8, 10 classes"),
    "digits_seq": BuiltinDataset("sequence", _digits_sequence, "digits as sequences, 1797 x 8 steps x 8 features, 10 classes"),
    "breast_cancer": BuiltinDataset("tabular", _sklearn_table("load_breast_cancer", "classification"),
                                    "breast cancer diagnosis, 569 rows x 30 features, 2 classes"),
    "wine": BuiltinDataset("tabular", _sklearn_table("load_wine", "classification"),
                           "wine cultivars, 178 rows x 13 features, 3 classes"),
    "diabetes": BuiltinDataset("tabular", _sklearn_table("load_diabetes", "regression"),
                               "diabetes progression, 442 rows x 10 features, regression"),
}

DEFAULT_DATASET: dict[str, str] = {"image": "digits", "sequence": "digits_seq", "tabular": "breast_cancer"}
