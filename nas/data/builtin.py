"""Built-in datasets that ship inside installed packages (scikit-learn; optionally statsmodels,
aeon's bundled UCR/UEA sets and the MNIST-1D generator, see `nas.data.timeseries`): nothing is
downloaded.

Each loader returns raw arrays (`Raw`: X, y) or a raw time series (`Series`, cut into windows
later because the window length is a flag); `nas.data.load_data` splits and standardises them
the same way it does the user's own files.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from nas.data._raw import Raw, Series
from nas.data.tasks import TASKS
from nas.data.timeseries import UCR_LOADERS, aeon_series, m1_yearly, mnist1d


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


def _statsmodels(name: str) -> object:
    from nas.errors import DataError

    try:
        import statsmodels.api as sm
    except ImportError:
        raise DataError(f"--dataset {name}: ships with statsmodels, which is not installed: pip install 'nas[series]'") from None
    return sm


def _sunspots() -> Series:
    data = _statsmodels("sunspots").datasets.sunspots.load_pandas().data  # type: ignore[attr-defined]
    return Series(data[["SUNACTIVITY"]].to_numpy(np.float32), ["SUNACTIVITY"], "SUNACTIVITY",
                  "statsmodels sunspots: yearly sunspot activity 1700-2008")


def _co2() -> Series:
    data = _statsmodels("co2").datasets.co2.load_pandas().data  # type: ignore[attr-defined]
    monthly = data["co2"].resample("MS").mean().interpolate()  # weekly with gaps -> monthly, gaps filled
    return Series(monthly.to_numpy(np.float32)[:, None], ["co2"], "co2",
                  "statsmodels co2: Mauna Loa CO2 (ppm), weekly 1958-2001 averaged by month")


@dataclass(frozen=True)
class BuiltinDataset:
    """A built-in dataset and what `nas datasets` shows without loading it (a test checks it)."""

    task: str
    load: Callable[[], Raw | Series]
    summary: str
    kind: str
    shape: tuple[int, ...]  # one example, as the model sees it (with the default window for series)
    rows: int
    source: str
    window: int | None = None  # default window of a series (--window overrides)
    extra: str | None = None  # the optional dependency group it needs


def _ucr(name: str, summary: str, shape: tuple[int, int], rows: int, kind: str = "classification") -> BuiltinDataset:
    source = "aeon (Monash)" if kind == "regression" else "aeon (UCR/UEA)"
    return BuiltinDataset("sequence", UCR_LOADERS[name], summary, kind, shape, rows, source, extra="ucr")


BUILTINS: dict[str, BuiltinDataset] = {
    "digits": BuiltinDataset("image", _digits_image, "handwritten digits, 1797 images 8x8, 10 classes",
                             "classification", (1, 8, 8), 1797, "scikit-learn"),
    "digits_seq": BuiltinDataset("sequence", _digits_sequence, "digits as sequences, 1797 x 8 steps x 8 features, 10 classes",
                                 "classification", (8, 8), 1797, "scikit-learn"),
    "breast_cancer": BuiltinDataset("tabular", _sklearn_table("load_breast_cancer", "classification"),
                                    "breast cancer diagnosis, 569 rows x 30 features, 2 classes",
                                    "classification", (30,), 569, "scikit-learn"),
    "iris": BuiltinDataset("tabular", _sklearn_table("load_iris", "classification"),
                           "iris species, 150 rows x 4 features, 3 classes", "classification", (4,), 150,
                           "scikit-learn"),
    "wine": BuiltinDataset("tabular", _sklearn_table("load_wine", "classification"),
                           "wine cultivars, 178 rows x 13 features, 3 classes", "classification", (13,), 178,
                           "scikit-learn"),
    "diabetes": BuiltinDataset("tabular", _sklearn_table("load_diabetes", "regression"),
                               "diabetes progression, 442 rows x 10 features, regression", "regression", (10,), 442,
                               "scikit-learn"),
    "sunspots": BuiltinDataset("sequence", _sunspots, "yearly sunspot activity 1700-2008, forecast next year",
                               "regression", (12, 1), 297, "statsmodels", window=12, extra="series"),
    "co2": BuiltinDataset("sequence", _co2, "monthly Mauna Loa CO2 1958-2001, forecast next month",
                          "regression", (24, 1), 502, "statsmodels", window=24, extra="series"),
    "airline": BuiltinDataset("sequence", aeon_series("Airline", "passengers"),
                              "monthly airline passengers 1949-1960, forecast next month", "regression", (12, 1),
                              132, "aeon", window=12, extra="ucr"),
    "lynx": BuiltinDataset("sequence", aeon_series("Lynx", "lynx"),
                           "yearly Canadian lynx trappings 1821-1934, forecast next year", "regression", (12, 1),
                           102, "aeon", window=12, extra="ucr"),
    "m1yearly": BuiltinDataset("sequence", m1_yearly, "M1 competition, 181 yearly series, forecast each next year "
                               "(their last 6 years test)", "regression", (6, 1), 3429, "aeon (Monash)", extra="ucr"),
    "mnist1d": BuiltinDataset("sequence", mnist1d, "MNIST-1D, 5000 x 40 steps, 10 classes (1000 test)",
                              "classification", (40, 1), 5000, "mnist1d", extra="mnist1d"),
    # UCR / UEA sets that aeon ships: official test split; a quarter of the official train validates
    "gunpoint": _ucr("gunpoint", "UCR GunPoint, 200 x 150 steps, 2 classes (150 test)", (150, 1), 200),
    "italypowerdemand": _ucr("italypowerdemand", "UCR ItalyPowerDemand, 1096 x 24 steps, 2 classes (1029 test)",
                             (24, 1), 1096),
    "arrowhead": _ucr("arrowhead", "UCR ArrowHead, 211 x 251 steps, 3 classes (175 test)", (251, 1), 211),
    "basicmotions": _ucr("basicmotions", "UEA BasicMotions, 80 x 100 steps x 6 channels, 4 classes (40 test)",
                         (100, 6), 80),
    "osuleaf": _ucr("osuleaf", "UCR OSULeaf, 442 x 427 steps, 6 classes (242 test)", (427, 1), 442),
    "acsf1": _ucr("acsf1", "UCR ACSF1, 200 x 1460 steps, 10 classes (100 test)", (1460, 1), 200),
    "japanesevowels": _ucr("japanesevowels", "UEA JapaneseVowels (equal length), 640 x 25 steps x 12 channels, "
                           "9 classes (370 test)", (25, 12), 640),
    "pickupgesturewiimotez": _ucr("pickupgesturewiimotez", "UCR PickupGestureWiimoteZ (equal length), "
                                  "100 x 361 steps, 10 classes (50 test)", (361, 1), 100),
    "unittest": _ucr("unittest", "UCR UnitTest (a slice of ItalyPowerDemand), 42 x 24 steps, 2 classes (22 test)",
                     (24, 1), 42),
    # Monash extrinsic regression sets that aeon ships: official test split, as the UCR sets
    "covid3month": _ucr("covid3month", "Monash Covid3Month, 201 x 84 days, regression: the death rate (61 test)",
                        (84, 1), 201, kind="regression"),
    "cardanosentiment": _ucr("cardanosentiment", "Monash CardanoSentiment, 107 x 24 hours x 2 channels, "
                             "regression: the sentiment (33 test)", (24, 2), 107, kind="regression"),
}


# optional dependency group -> the package it installs (what `nas datasets` checks for)
EXTRAS: dict[str, str] = {"series": "statsmodels", "ucr": "aeon", "mnist1d": "mnist1d"}

DEFAULT_DATASET: dict[str, str] = {name: task.default_dataset for name, task in TASKS.items()}
