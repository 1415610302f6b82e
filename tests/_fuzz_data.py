"""Generated NPZ and CSV data files for the fuzz tests (see `_fuzz` for the space files).

Each case starts from a file a careful user would write (and the flags that fit it), then takes
0-3 damages: wrong dtypes, NaN or huge values, ragged rows, missing or extra arrays and columns,
a truncated file, another text encoding, flags that do not fit. `clean=True` draws the undamaged
files only (they must all be accepted). `check_data` states the contract.
"""
from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import strategies as st

from tests._fuzz import CELLS, Escape

Case = tuple[bytes, str, dict[str, Any]]  # file bytes, suffix, DataSpec arguments but the path


def _x_shape(draw: st.DrawFn, task: str, n: int) -> tuple[int, ...]:
    small = st.integers(1, 5)
    shapes = {"tabular": lambda: (n, draw(small)),
              "sequence": lambda: (n, draw(small), draw(small)),
              "image": lambda: draw(st.sampled_from([(n, 1, 4, 4), (n, 3, 2, 5), (n, 4, 4), (n, 5, 5, 3)]))}
    return shapes[task]()


def _labels(draw: st.DrawFn, rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    if kind == "regression":
        return rng.normal(size=n) * draw(st.sampled_from([1.0, 1e3]))
    k = draw(st.integers(2, 4))
    y = rng.permutation(np.arange(n) % k)
    return np.array(["ant", "bee", "cat", "dog"])[y] if draw(st.booleans()) else y


def _astype(a: np.ndarray, dtype: str) -> np.ndarray:
    try:
        return a.astype(dtype)
    except Exception:  # noqa: BLE001 - numpy refuses e.g. class names as dates: leave the array as it is
        return a


def _damage_arrays(draw: st.DrawFn, arrays: dict[str, np.ndarray]) -> None:
    """One damage to the arrays of an .npz, in place."""
    key = draw(st.sampled_from(sorted(arrays)))
    a = arrays[key]
    damages = {
        "dtype": lambda: _astype(a, draw(st.sampled_from(["<U3", "S2", "complex64", "float16", "bool", "int8", "datetime64[D]"]))),
        "nan": lambda: np.where(np.arange(a.size).reshape(a.shape) == 0, draw(st.sampled_from([np.nan, np.inf])), a)
        if a.dtype.kind == "f" and a.size else a,
        "huge": lambda: (a * 3e38).astype(np.float32) if a.dtype.kind in "fi" else a,
        "rank": lambda: a.reshape(-1) if a.ndim > 1 else a.reshape(-1, 1, 1, 1, 1) if draw(st.booleans()) else np.asarray(a.flat[0] if a.size else 0),
        "rows": lambda: a[: draw(st.integers(0, max(len(a) - 1, 0)))] if a.ndim else a,
        "one class": lambda: np.zeros_like(a),
        "columns": lambda: np.stack([a, a], axis=-1),
    }
    how = draw(st.sampled_from(sorted(damages) + ["drop", "extra"]))
    if how == "drop":
        del arrays[key]
    elif how == "extra":
        arrays[draw(st.sampled_from(["X", "y", "X_test", "labels", "X_val"]))] = a
    else:
        arrays[key] = damages[how]()


@st.composite
def npz_case(draw: st.DrawFn, clean: bool = False) -> Case:
    task = draw(st.sampled_from(["tabular", "image", "sequence"]))
    kind = draw(st.sampled_from(["classification", "regression"]))
    n = draw(st.sampled_from([20, 40, 60] if clean else [12, 20, 40, 60]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = rng.normal(size=_x_shape(draw, task, n)).astype(draw(st.sampled_from(["float32", "float64", "uint8", "int64"])))
    y = _labels(draw, rng, n, kind)
    layout = draw(st.sampled_from(["X", "X", "train/val", "train/val/test"]))
    if layout == "X":
        arrays = {"X": X, "y": y}
    else:
        names = layout.split("/")
        cuts = np.linspace(0, n, len(names) + 1).astype(int)
        arrays = {f"{v}_{s}": a[cuts[i]:cuts[i + 1]] for i, s in enumerate(names) for v, a in (("X", X), ("y", y))}
    damages = 0 if clean else draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))
    for _ in range(damages):
        if arrays:
            _damage_arrays(draw, arrays)
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    data = buf.getvalue()
    if damages and draw(st.integers(0, 7)) == 0:
        data = draw(st.sampled_from([data[: len(data) // 2], b"", b"PK\x03\x04", draw(st.binary(max_size=40))]))
    args = {"task": task, "kind": draw(st.sampled_from([None, kind])), "seed": draw(st.integers(0, 9))}
    if not clean and draw(st.integers(0, 4)) == 0:
        args[draw(st.sampled_from(["task", "kind"]))] = draw(st.sampled_from(["tabular", "image", "text", "regression", "classification"]))
    if damages and draw(st.integers(0, 9)) == 0:
        args[draw(st.sampled_from(["window", "target", "image_size"]))] = draw(st.sampled_from([1, 0, "y"]))
    return data, ".npz", args


def _column(draw: st.DrawFn, rng: np.random.Generator, n: int, kind: str) -> list[str]:
    makers = {"float": lambda: [f"{v:.4g}" for v in rng.normal(size=n)],
              "int": lambda: [str(v) for v in rng.permutation(np.arange(n) % 4)],
              "text": lambda: [("red", "green", "blue")[v] for v in rng.permutation(np.arange(n) % 3)],
              "date": lambda: [f"2024-01-{1 + i % 28:02d}" for i in range(n)],
              "ids": lambda: [f"id{i}" for i in range(n)]}
    return makers[kind]()


def _damage_rows(draw: st.DrawFn, header: list[str], rows: list[list[str]]) -> None:
    """One damage to a CSV's header or rows, in place."""
    how = draw(st.sampled_from(["cell", "cell", "longer", "shorter", "header", "no rows", "blank lines"]))
    r = rows[draw(st.integers(0, len(rows) - 1))] if rows else []
    if how == "cell" and r:
        r[draw(st.integers(0, len(r) - 1))] = draw(CELLS)
    elif how == "longer":
        r.append(draw(CELLS))
    elif how == "shorter" and r:
        r.pop()
    elif how == "header" and header:
        header[draw(st.integers(0, len(header) - 1))] = draw(st.sampled_from(["", header[0], " x ", "é"]))
    elif how == "no rows":
        del rows[draw(st.sampled_from([0, 1, 5])):]
    elif how == "blank lines":
        rows.insert(0, [""] * len(header))


@st.composite
def csv_case(draw: st.DrawFn, clean: bool = False) -> Case:
    series = draw(st.booleans())
    n = draw(st.sampled_from([25, 40, 130] if clean else [12, 25, 40, 130]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    kinds = ["date"] * draw(st.integers(0, 1)) if series else []
    kinds += [draw(st.sampled_from(["float", "float", "int"] + ([] if series else ["text"] + ["ids"] * (not clean))))
              for _ in range(draw(st.integers(1, 4)))]
    target_kind = draw(st.sampled_from(["float", "int"] + ([] if series else ["text"])))
    header = [f"c{j}" for j in range(len(kinds))] + ["target"]
    columns = [_column(draw, rng, n, k) for k in kinds + [target_kind]]
    rows = [list(r) for r in zip(*columns)]
    damages = 0 if clean else draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))
    for _ in range(damages):
        _damage_rows(draw, header, rows)
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    encoding = "utf-8" if not damages or draw(st.integers(0, 3)) else draw(st.sampled_from(["utf-16", "latin-1", "utf-8-sig"]))
    data = out.getvalue().encode(encoding, "replace")
    if damages and draw(st.integers(0, 9)) == 0:
        data = draw(st.sampled_from([data[: len(data) // 2], b"", b"\xff\xfe\x00", draw(st.binary(max_size=40))]))
    args: dict[str, Any] = {"task": "sequence" if series else "tabular", "target": "target", "seed": draw(st.integers(0, 9)),
                            "kind": None, "window": draw(st.integers(1, 6)) if series else None}
    if damages and draw(st.booleans()):
        flag = draw(st.sampled_from(["task", "target", "kind", "window"]))
        args[flag] = draw({"task": st.sampled_from(["image", "sequence", "tabular"]),
                           "target": st.sampled_from([None, "c0", "nope", ""]),
                           "kind": st.sampled_from(["classification", "regression"]),
                           "window": st.sampled_from([None, 0, -1, n, 10**6])}[flag])
    return data, ".csv", args


data_case = st.one_of(npz_case(), csv_case())


def check_data(spec: Any) -> str:
    """Contract for a data spec: 'refused' (NasError), or loaded data that a network can train on."""
    import torch

    from nas.data import load_data
    from nas.errors import NasError

    try:
        data = load_data(spec)
    except NasError as exc:
        if not str(exc).strip():
            raise Escape(f"{type(exc).__name__} with an empty message") from None
        return "refused"
    for name in ("train", "val", "test"):
        split = getattr(data, name)
        if len(split) == 0 or not torch.isfinite(split.X).all():
            raise Escape(f"accepted data with an empty or non-finite {name} split")
        if tuple(split.X.shape[1:]) != tuple(data.input_shape) or len(split.y) != len(split):
            raise Escape(f"{name}: inputs {tuple(split.X.shape)}, targets {tuple(split.y.shape)}, "
                         f"input_shape {data.input_shape}")
        y = split.y
        if data.kind == "classification" and (y.min() < 0 or y.max() >= data.out_dim):
            raise Escape(f"{name} labels outside 0..{data.out_dim - 1}")
        if data.kind == "regression" and not torch.isfinite(y).all():
            raise Escape(f"{name} has non-finite regression targets")
    stats = [*data.preprocessing.get("std", []), data.preprocessing.get("target_std", 1.0)]
    if not all(math.isfinite(v) and v > 0 for v in stats):
        raise Escape("non-finite or zero preprocessing statistics")
    return f"accepted {data.task} {data.kind}"


def reference_infos(folder: Path) -> list[dict[str, Any]]:
    """What a bundle says about its data, for three trained models: a CSV table with a text
    column, a CSV series read in windows of 3, and 8 x 8 grey images from an .npz."""
    from nas.data import DataSpec, load_data

    rng = np.random.default_rng(0)
    rows = "".join(f"{rng.normal():.3f},{'abc'[i % 3]},{i % 2}\n" for i in range(40))
    (folder / "table.csv").write_text("x,colour,target\n" + rows)
    (folder / "series.csv").write_text("x,target\n" + "".join(f"{i % 5},{i % 7}\n" for i in range(40)))
    np.savez(folder / "images.npz", X=rng.normal(size=(30, 8, 8)).astype(np.float32), y=np.arange(30) % 3)
    specs = [DataSpec(task="tabular", path=str(folder / "table.csv"), target="target"),
             DataSpec(task="sequence", path=str(folder / "series.csv"), target="target", window=3),
             DataSpec(task="image", path=str(folder / "images.npz"))]
    return [load_data(spec).describe() for spec in specs]


def check_inputs(path: Path, info: dict[str, Any]) -> str:
    """Contract for `nas predict` inputs: model-ready finite rows of the model's shape, or a NasError."""
    from nas.data.inputs import load_inputs
    from nas.errors import NasError

    try:
        X, names = load_inputs(path, info)
    except NasError as exc:
        if not str(exc).strip():
            raise Escape(f"{type(exc).__name__} with an empty message") from None
        return "refused"
    if tuple(X.shape[1:]) != tuple(info["input_shape"]) or len(names) != len(X):
        raise Escape(f"inputs of shape {X.shape} and {len(names)} names for a model of input {info['input_shape']}")
    if not np.isfinite(X).all():
        raise Escape("accepted inputs that are not finite after preprocessing")
    return "accepted"


@st.composite
def predict_case(draw: st.DrawFn) -> tuple[bytes, str, int]:
    """(file bytes, suffix, which reference model): new inputs shaped for one of the models of
    `reference_infos`, with 0-3 damages (a missing column, an unseen category, a short series...)."""
    which = draw(st.integers(0, 2))
    n = draw(st.sampled_from([0, 1, 2, 3, 5, 9]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    damages = draw(st.sampled_from([0, 0, 1, 1, 2, 3]))
    if which == 2:
        shape = draw(st.sampled_from([(n, 8, 8), (n, 1, 8, 8), (n, 8, 8, 1), (n, 3, 8, 8), (n, 64)]))
        arrays = {"X": rng.normal(size=shape).astype(draw(st.sampled_from(["float32", "float64", "uint8"])))}
        for _ in range(damages):
            if arrays:
                _damage_arrays(draw, arrays)
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        return buf.getvalue(), ".npz", which
    header = ["x", "colour", "target"][: draw(st.integers(1, 3))] if which == 0 else ["x", "target"]
    makers = {"x": lambda: f"{rng.normal():.3f}", "colour": lambda: draw(st.sampled_from("abcz")),
              "target": lambda: str(int(rng.integers(0, 7)))}
    rows = [[makers[c]() for c in header] for _ in range(n)]
    for _ in range(damages):
        _damage_rows(draw, header, rows)
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode(), ".csv", which
