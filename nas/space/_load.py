"""Load a YAML space file, validate it against the family schema, and describe its size.

Every error names the file, the key path and what is wrong, in one line:

    search_spaces/bad.yaml: blocks.activation: unknown name 'rleu' (did you mean 'relu'?)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nas.errors import SpaceError, nearest
from nas.space._grammar import Choice, Fixed, GrammarError, Param, Range, parse_value, to_raw
from nas.space._schema import FAMILIES, Key, Section, coerce

TOP_KEYS = ("family", "name", "description")


@dataclass(frozen=True)
class SectionSpace:
    """The validated values of one section; every schema key is present (defaults filled in)."""

    name: str
    params: dict[str, Param]
    schema: Section
    depth: Param | None = None


@dataclass(frozen=True)
class Space:
    """A validated search space. `to_dict()` is plain JSON and round-trips through `parse_space`."""

    family: str
    sections: dict[str, SectionSpace]
    name: str = ""
    source: str = "<space>"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"family": self.family}
        if self.name:
            out["name"] = self.name
        for sec in self.sections.values():
            raw = {k: to_raw(p) for k, p in sec.params.items()}
            if sec.depth is not None:
                raw = {"depth": to_raw(sec.depth), **raw}
            out[sec.name] = raw
        return out

    def free_parameters(self) -> list[str]:
        """Names of the searched (non-fixed) values, with `*` standing for a block index."""
        names: list[str] = []
        for sec in self.sections.values():
            if sec.depth is not None and not isinstance(sec.depth, Fixed):
                names.append(f"{sec.name}.depth")
            prefix = f"{sec.name}.*." if sec.schema.repeated else f"{sec.name}."
            names += [prefix + k for k, p in sec.params.items() if not isinstance(p, Fixed)]
        return names

    def size(self) -> tuple[float, int]:
        """(number of discrete combinations, number of continuous dimensions at maximum depth)."""
        combos, continuous = 1.0, 0
        for sec in self.sections.values():
            per, cont = _product(sec.params.values())
            if sec.depth is None:
                combos, continuous = combos * per, continuous + cont
                continue
            depths = [int(d) for d in _values(sec.depth)]
            combos *= sum(_power(per, d) for d in depths)
            continuous += cont * max(depths)
        return combos, continuous


def _power(base: float, exponent: int) -> float:
    """base**exponent, infinite past the float range (a float power raises OverflowError there)."""
    try:
        return base**exponent
    except OverflowError:
        return math.inf


def _values(param: Param) -> list[Any]:
    if isinstance(param, Fixed):
        return [param.value]
    if isinstance(param, Choice):
        return list(param.options)
    return list(range(int(param.low), int(param.high) + 1, int(param.step or 1)))


def _product(params: Any) -> tuple[float, int]:
    per, cont = 1.0, 0
    for p in params:
        n = 1 if isinstance(p, Fixed) else len(p.options) if isinstance(p, Choice) else p.count()
        if n is None:
            cont += 1
        else:
            per *= n
    return per, cont


def _param(raw: Any, key: Key, where: str) -> Param:
    try:
        param = coerce(parse_value(raw), key)
    except GrammarError as exc:
        raise SpaceError(f"{where}: {exc}") from None
    if key.type == "float" and isinstance(param, Range):  # {low: 0, high: 1} of a float key is continuous
        return param.as_real()
    return param


def _section(raw: Any, name: str, schema: Section, source: str) -> SectionSpace:
    where = f"{source}: {name}"
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise SpaceError(f"{where}: expected a mapping of keys, got {type(raw).__name__}")
    allowed = list(schema.keys) + (["depth"] if schema.repeated else [])
    for key in raw:
        if key not in allowed:
            raise SpaceError(f"{where}.{key}: unknown key{nearest(str(key), allowed)}")
    depth = None
    if schema.repeated and schema.depth is not None:
        depth = _param(raw.get("depth", schema.depth.default), schema.depth, f"{where}.depth")
    params = {
        key: _param(raw.get(key, spec.default), spec, f"{where}.{key}")
        for key, spec in schema.keys.items()
    }
    return SectionSpace(name=name, params=params, schema=schema, depth=depth)


def parse_space(raw: Any, source: str = "<space>") -> Space:
    """Validate a space given as a plain mapping (what YAML or the store gives back)."""
    if not isinstance(raw, dict):
        raise SpaceError(f"{source}: expected a mapping at the top level, got {type(raw).__name__}")
    family = raw.get("family")
    if family is None:
        raise SpaceError(f"{source}: family: missing (expected one of: {', '.join(FAMILIES)})")
    if family not in FAMILIES:
        raise SpaceError(f"{source}: family: unknown family '{family}'{nearest(str(family), FAMILIES)}")
    schema = FAMILIES[family]
    allowed = list(TOP_KEYS) + list(schema)
    for key in raw:
        if key not in allowed:
            raise SpaceError(f"{source}: {key}: unknown key{nearest(str(key), allowed)}")
    for name, sec in schema.items():
        if sec.required and name not in raw:
            raise SpaceError(f"{source}: {name}: missing required section")
    sections = {name: _section(raw.get(name), name, sec, source) for name, sec in schema.items()}
    return Space(family=family, sections=sections, name=str(raw.get("name", "")), source=source)


def load_space(path: str | Path) -> Space:
    """Read and validate a YAML space file. Raises SpaceError naming the file on any problem."""
    path = Path(path)
    if not path.is_file():
        raise SpaceError(f"{path}: no such space file")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "invalid YAML"
        raise SpaceError(f"{path}: YAML syntax error{line}: {problem}") from None
    except UnicodeDecodeError:
        raise SpaceError(f"{path}: not a UTF-8 text file") from None
    return parse_space(raw, str(path))


def format_size(combos: float, continuous: int) -> str:
    """'1.2e+06 discrete combinations x 3 continuous dimensions' in words a user can read."""
    text = f"{combos:,.0f}" if combos < 1e7 else f"{combos:.2e}"
    text += " discrete combinations"
    if continuous:
        text += f" x {continuous} continuous dimension{'s' if continuous > 1 else ''}"
    if math.isinf(combos):
        text = "more than 1e308 discrete combinations"
    return text
