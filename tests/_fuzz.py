"""Hostile inputs for the property tests (tests/test_fuzz.py) and the long run (benchmarks/fuzz.py).

Generators (hypothesis strategies) of space files (here) and NPZ and CSV files (`_fuzz_data`),
and one checker per kind that states the contract of issue 14: an input is either accepted, and
then it is usable (every sampled architecture builds and takes a training step; loaded data are
finite tensors in three non-empty splits), or refused with a `NasError`, one line at the CLI,
exit 2. Anything else is an escape: the checkers raise `Escape` with where it came from.

The generators lean towards the schema (real families, real keys, values near their bounds), so
that most cases get past the first check and exercise the deeper ones; a share is pure garbage.
"""
from __future__ import annotations

import datetime
import math
import traceback
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from nas.space import FAMILIES, Key, Section

FORWARD_PARAMS_MAX = 2_000_000  # bigger sampled networks are checked on the meta device only
INPUT_SHAPES = ((1, 8, 8), (3, 5, 7), (8, 3), (6,))  # one per input rank the builders take


class Escape(AssertionError):
    """An input that produced neither a result nor a NasError (or a NasError of several lines)."""


def escape_site(exc: BaseException) -> str:
    """'TypeError at nas/space/_load.py:123' (the innermost frame inside nas/), to count escapes."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/nas/" in f.filename]
    where = f"{frames[-1].filename.split('/nas/')[-1]}:{frames[-1].lineno}" if frames else "?"
    return f"{type(exc).__name__} at nas/{where}"


# ---------------------------------------------------------------- values

def floats(*args: Any, **kwargs: Any) -> st.SearchStrategy[float]:
    """`st.floats` without subnormal values: a test that resolved a device left the process
    flushing them (nas.device.flush_subnormals), and hypothesis refuses to draw them then."""
    return st.floats(*args, allow_subnormal=False, **kwargs)


GARBAGE_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12), st.sampled_from(["nan", "inf", "-1e400", "1e-4", "0x10", "", " ", "~", "yes"]),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2100, 1, 1)),
)
CELLS = st.one_of(st.integers(-5, 5).map(str),
                  floats(allow_nan=True, allow_infinity=True).map(repr),
                  st.sampled_from(["", " ", "nan", "NaN", "inf", "-inf", "1e999", "a", "x,y", '"', "\n", "é",
                                   "1_0", "0x1F", "True", "\x00"]), st.text(max_size=6))  # one CSV cell
garbage = st.recursive(GARBAGE_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.text(max_size=6), st.integers(-3, 3)), inner, max_size=4)),
    max_leaves=8)


ALL_NAMES = ("relu", "batch", "max", "avg", "lstm", "adamw", "cosine", "last", "flatten", "none", "rleu")


def _valid_scalar(key: Key) -> st.SearchStrategy[Any]:
    """A value the key accepts, kept small where it sizes a network (so forward passes stay cheap)."""
    low = key.low if key.low is not None else 0
    high = key.high if key.high is not None else 1
    kinds: dict[str, st.SearchStrategy[Any]] = {
        "int": st.integers(int(low), int(min(high, low + 12))),
        "float": floats(low, high, allow_nan=False),
        "bool": st.booleans(),
        "name": st.sampled_from(key.names or ("x",)),
    }
    return kinds[key.type]


@st.composite
def _valid_range(draw: st.DrawFn, key: Key) -> dict[str, Any]:
    """A range the key accepts; a stepped one ends on a step, as the grammar requires."""
    top = key.high if key.high is not None else 12
    if key.type == "int":
        low, step = draw(_valid_scalar(key)), draw(st.integers(1, 3))
        high = low + step * draw(st.integers(0, max(0, min(12, int(top) - low) // step)))
        return {"low": low, "high": high, "step": step} if draw(st.booleans()) else {"low": low, "high": high}
    how = draw(st.sampled_from(["plain", "log", "step"]))
    if how == "step":
        step = draw(st.sampled_from([0.5, 0.25, 0.1, 0.05]))
        first = draw(st.integers(math.ceil((key.low or 0) / step), int(top / step)))
        last = draw(st.integers(first, int(top / step)))
        return {"low": round(first * step, 10), "high": round(last * step, 10), "step": step}
    low = draw(floats(key.low or 0.0, top))
    out = {"low": low, "high": draw(floats(low, top))}
    return {**out, "log": True} if how == "log" and low > 0 else out


def valid_value(key: Key) -> st.SearchStrategy[Any]:
    """What a careful user writes: a scalar, a list of distinct choices, or (numbers) a range."""
    scalar = _valid_scalar(key)
    options = [scalar, st.lists(scalar, min_size=1, max_size=4, unique_by=repr)]
    if key.type in ("int", "float"):
        options.append(_valid_range(key))
    return st.one_of(*options)


def hostile_value(key: Key) -> st.SearchStrategy[Any]:
    """Near misses and wrong types: bounds +- 1, wrong kinds, bad ranges, nested garbage."""
    low = key.low if key.low is not None else -1
    high = key.high if key.high is not None else 1
    edges = st.sampled_from([low - 1, high + 1, -1, 0.5, 1e-300, float(high) * 10])
    bound = st.one_of(edges, GARBAGE_SCALARS, _valid_scalar(key))
    bad_range = st.fixed_dictionaries(
        {"low": bound, "high": bound},
        optional={"step": st.one_of(st.integers(-1, 4), floats(0, 2), st.just(1e-300),
                                    GARBAGE_SCALARS),
                  "log": st.one_of(st.booleans(), GARBAGE_SCALARS), "base": st.integers()})
    near_list = st.lists(st.one_of(_valid_scalar(key), edges, GARBAGE_SCALARS), max_size=4)
    return st.one_of(edges, GARBAGE_SCALARS, bad_range, near_list, garbage, st.sampled_from(ALL_NAMES))



@st.composite
def section_doc(draw: st.DrawFn, sec: Section, bad: int) -> Any:
    """A section's mapping with `bad` hostile spots (a key's value, an unknown key, or the whole)."""
    keys = dict(sec.keys)
    if sec.repeated and sec.depth is not None:
        keys["depth"] = sec.depth
    doc: dict[Any, Any] = {name: draw(valid_value(key)) for name, key in keys.items() if draw(st.booleans())}
    for _ in range(bad):
        where = draw(st.sampled_from(["value"] * 6 + ["unknown key", "whole"]))
        if where == "whole":
            return draw(garbage)
        if where == "unknown key":
            doc[draw(st.one_of(st.text(max_size=8), st.integers(), st.sampled_from(list(keys) + ["Depth"])))] = draw(garbage)
            continue
        name = draw(st.sampled_from(sorted(keys)))
        doc[name] = draw(hostile_value(keys[name]))
    return doc


FAMILY_NAMES = tuple(FAMILIES)
junk_family = st.one_of(st.none(), st.integers(), st.text(max_size=8), st.sampled_from(["CNN", "transformer", ""]))
family_container = st.one_of(st.lists(st.one_of(st.sampled_from(FAMILY_NAMES), st.text(max_size=5)), max_size=3),
                             st.dictionaries(st.sampled_from(FAMILY_NAMES), garbage, max_size=2))


@st.composite
def space_doc(draw: st.DrawFn, family: st.SearchStrategy[Any] | None = None, clean: bool = False) -> Any:
    """A space as a Python value: a schema-shaped mapping with 0-3 hostile spots (about a third
    are clean; all with `clean`), or sometimes anything at all."""
    bad = 0 if clean else draw(st.sampled_from([0, 0, 0, 1, 1, 1, 2, 3]))
    if bad and draw(st.integers(0, 24)) == 0:
        return draw(garbage)
    fam = draw(family) if family is not None else draw(st.sampled_from(FAMILY_NAMES))
    if family is None and bad and draw(st.integers(0, 9)) == 0:
        fam, bad = draw(junk_family), bad - 1
    schema = FAMILIES[fam] if isinstance(fam, str) and fam in FAMILIES else FAMILIES[draw(st.sampled_from(FAMILY_NAMES))]
    names = [n for n, sec in schema.items() if sec.required or draw(st.integers(0, 3))]
    spots = [draw(st.sampled_from(names + ["top"])) if names else "top" for _ in range(bad)]
    doc: dict[Any, Any] = {"family": fam}
    for name in names:
        doc[name] = draw(section_doc(schema[name], spots.count(name)))
    for _ in range(spots.count("top")):
        what = draw(st.sampled_from(["name", "description", "x", "blocks", "layers", "rnn", "head", "no family"]))
        if what == "no family":
            doc.pop("family", None)
        else:
            doc[what] = draw(garbage)
    return doc


@st.composite
def space_text(draw: st.DrawFn, family: st.SearchStrategy[Any] | None = None) -> bytes:
    """The bytes of a space file: dumped YAML, sometimes damaged, sometimes not YAML at all."""
    how = draw(st.integers(0, 19))
    if how == 0:
        return draw(st.binary(max_size=64))
    if how == 1:
        return draw(st.text(max_size=80)).encode("utf-8", "surrogatepass")
    text = yaml.safe_dump(draw(space_doc(family)), allow_unicode=True, sort_keys=False)
    if how == 2:  # cut short or with a stray character inside
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] + draw(st.sampled_from(["", ":", "[", "{", "\t", "- ", "&a *a", "!!python/object:os.system"]))
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-8-sig", "utf-16", "latin-1"]))
    return text.encode(encoding, "replace")


# ---------------------------------------------------------------- space checker


def _input_shape(family: str) -> tuple[int, ...]:
    from nas.models import check_input

    for shape in INPUT_SHAPES:
        try:
            check_input(family, shape)
            return shape
        except Exception:  # noqa: BLE001 - this family takes another rank
            continue
    raise Escape(f"no input shape fits family {family}")


def _train_step(arch: Any, out_dim: int = 3) -> str:
    """Build the sampled network, run forward + backward + one optimiser and scheduler step."""
    import torch
    import torch.nn.functional as F

    from nas.models import build_model, count_params
    from nas.train import FULL_BATCH, OPTIMIZERS, SCHEDULERS, TrainConfig

    shape = _input_shape(arch.family)
    with torch.device("meta"):
        params = count_params(build_model(arch, shape, out_dim))
    if params > FORWARD_PARAMS_MAX:
        return "built on meta only"
    torch.manual_seed(0)
    model = build_model(arch, shape, out_dim)
    cfg = TrainConfig.from_arch(arch)
    opt = OPTIMIZERS[cfg.optimizer](model.parameters(), cfg)
    sched = None if cfg.optimizer in FULL_BATCH else SCHEDULERS[cfg.scheduler](opt, cfg.lr, 4)  # as fit() does
    x, y = torch.randn(4, *shape), torch.tensor([0, 1, 2, 0])

    def closure() -> torch.Tensor:  # every optimiser takes one; full-batch L-BFGS needs it
        opt.zero_grad()
        out = model(x)
        if out.shape != (4, out_dim):
            raise Escape(f"{arch.family} network gives shape {tuple(out.shape)} for a batch of 4, {out_dim} outputs")
        loss = F.cross_entropy(out, y)
        loss.backward()
        return loss

    opt.step(closure)
    if sched is not None:
        sched.step()
    return "trained one step"


def check_space(raw: Any, source: str = "<fuzz>", samples: int = 2, seed: int = 0) -> str:
    """Contract for a space given as a mapping (no file): 'refused' or what was run on it."""
    from nas.errors import NasError
    from nas.sample import random_archs
    from nas.space import format_size, parse_space

    try:
        space = parse_space(raw, source)
    except NasError as exc:
        if not str(exc).strip():
            raise Escape(f"{type(exc).__name__} with an empty message") from None
        return "refused"
    format_size(*space.size())
    space.free_parameters()
    again = parse_space(space.to_dict(), source)  # what a study stores must read back the same
    if again.to_dict() != space.to_dict():
        raise Escape(f"to_dict does not round-trip: {space.to_dict()} -> {again.to_dict()}")
    return ", ".join(sorted({_train_step(a) for a in random_archs(space, samples, seed)}))


def check_space_file(path: Path, samples: int = 2, seed: int = 0) -> str:
    """Contract for a space file read from disk (YAML errors, encodings included)."""
    from nas.errors import NasError
    from nas.space import load_space

    try:
        space = load_space(path)
    except NasError:
        return "refused"
    return check_space(space.to_dict(), str(path), samples, seed)


def check_cli(*args: Any) -> str:
    """Run `nas ARGS` in-process: exit 0 is 'accepted'; exit 2 with one `error:` line 'refused'."""
    from typer.testing import CliRunner

    from nas.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise Escape(f"nas {args[0]}: {escape_site(result.exception)}: {result.exception!r}"[:300]) from result.exception
    lines = result.stderr.strip().splitlines()
    if result.exit_code == 0:
        return "accepted"
    if result.exit_code != 2 or len(lines) != 1 or not lines[0].startswith("error: ") or "Traceback" in result.output:
        raise Escape(f"nas {args[0]}: exit {result.exit_code}, stderr {result.stderr[-300:]!r}")
    return "refused"
