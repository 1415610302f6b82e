"""Load a YAML space file, validate it against the family schema, and describe its size.

Every error names the file, the key path and what is wrong, in one line:

    search_spaces/bad.yaml: blocks.activation: unknown name 'rleu' (did you mean 'relu'?)

A space holds one family, its sections at the top level, or offers a choice of families, each
with its own sections under `families:` (a section left out takes its defaults, as at the top):

    family: [conv1d, rnn]
    families:
      conv1d: {blocks: {...}, head: {...}, train: {...}}
      rnn: {rnn: {...}, train: {...}}
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from nas.errors import SpaceError, nearest
from nas.space._grammar import Choice, Fixed, GrammarError, Param, parse_value, to_raw
from nas.space._schema import FAMILIES, Key, Section, coerce

TOP_KEYS = ("family", "name", "description")
CHOICE_KEY = "families"  # with `family: [a, b]`: families: {a: {sections}, b: {sections}}


@dataclass(frozen=True)
class SectionSpace:
    """The validated values of one section; every schema key is present (defaults filled in)."""

    name: str
    params: dict[str, Param]
    schema: Section
    depth: Param | None = None


@dataclass(frozen=True)
class FamilySpace:
    """One family's validated sections.

    `prefix` begins the family's Optuna parameter names: empty when the space holds this family
    alone (`blocks.0.kernel`, as before family choices existed, so older studies resume), and
    `<family>.` when the family is one of a choice: two families share section names with
    different ranges (`head.hidden`), and Optuna refuses one name with two distributions.
    """

    family: str
    sections: dict[str, SectionSpace]
    prefix: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for sec in self.sections.values():
            raw = {k: to_raw(p) for k, p in sec.params.items()}
            out[sec.name] = raw if sec.depth is None else {"depth": to_raw(sec.depth), **raw}
        return out

    def searched(self) -> dict[str, Param]:
        """Parameter name -> value of every non-fixed value, `*` standing for a block index."""
        names: dict[str, Param] = {}
        for sec in self.sections.values():
            if sec.depth is not None and not isinstance(sec.depth, Fixed):
                names[f"{self.prefix}{sec.name}.depth"] = sec.depth
            stem = f"{self.prefix}{sec.name}.*." if sec.schema.repeated else f"{self.prefix}{sec.name}."
            names.update({stem + k: p for k, p in sec.params.items() if not isinstance(p, Fixed)})
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
            combos *= sum(per**d for d in depths)
            continuous += cont * max(depths)
        return combos, continuous

    def max_epochs(self) -> int:
        return int(max(_values(self.sections["train"].params["epochs"])))

    def with_epochs(self, epochs: int) -> FamilySpace:
        train = self.sections["train"]
        fixed = replace(train, params={**train.params, "epochs": Fixed(int(epochs))})
        return replace(self, sections={**self.sections, "train": fixed})


@dataclass(frozen=True)
class Space:
    """A validated search space: one family (`family: cnn`, sections at the top level) or a
    choice among several (`family: [conv1d, rnn]`, each family's sections under
    `families.<name>`); then the family is sampled first, as the categorical parameter `family`,
    and only the chosen family's parameters after it. `to_dict()` is plain JSON and
    round-trips through `parse_space`."""

    families: dict[str, FamilySpace]
    name: str = ""
    source: str = "<space>"
    family_choice: bool = False

    def to_dict(self) -> dict[str, Any]:
        head: dict[str, Any] = {"family": list(self.families) if self.family_choice else next(iter(self.families))}
        if self.name:
            head["name"] = self.name
        if self.family_choice:
            return {**head, CHOICE_KEY: {name: fam.to_dict() for name, fam in self.families.items()}}
        return {**head, **next(iter(self.families.values())).to_dict()}

    def searched(self) -> dict[str, Param]:
        """Parameter name -> value of every searched value (`family` first when it is a choice)."""
        names: dict[str, Param] = {"family": Choice(tuple(self.families))} if self.family_choice else {}
        for fam in self.families.values():
            names.update(fam.searched())
        return names

    def free_parameters(self) -> list[str]:
        """Names of the searched (non-fixed) values, with `*` standing for a block index."""
        return list(self.searched())

    def sizes(self) -> dict[str, tuple[float, int]]:
        """Each family's size (see `FamilySpace.size`)."""
        return {name: fam.size() for name, fam in self.families.items()}

    def size(self) -> tuple[float, int]:
        """All families together: their combinations add up; continuous dimensions, the most any has."""
        sizes = list(self.sizes().values())
        return sum(c for c, _ in sizes), max(d for _, d in sizes)

    def max_epochs(self) -> int:
        """The most epochs any trial of this space can train (pruners need it)."""
        return max(fam.max_epochs() for fam in self.families.values())

    def with_epochs(self, epochs: int) -> Space:
        """The same space with every family's epochs fixed (`--epochs`)."""
        return replace(self, families={n: f.with_epochs(epochs) for n, f in self.families.items()})


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
        return coerce(parse_value(raw), key)
    except GrammarError as exc:
        raise SpaceError(f"{where}: {exc}") from None


def _section(raw: Any, name: str, schema: Section, source: str, path: str = "") -> SectionSpace:
    """One section; `path` is the key path above it (`families.rnn.` in a family choice)."""
    where = f"{source}: {path}{name}"
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


def _what(value: Any) -> str:
    """How a wrong value reads in an error: 'a mapping', 'int 3'."""
    return {dict: "a mapping", list: "a list"}.get(type(value), f"{type(value).__name__} {value!r}")


def _family_names(value: Any, source: str) -> str | list[str]:
    """`family: cnn` -> 'cnn'; `family: [conv1d, rnn]` -> ['conv1d', 'rnn']; SpaceError otherwise."""
    where, known = f"{source}: family", ", ".join(FAMILIES)
    if value is None:
        raise SpaceError(f"{where}: missing (expected one of: {known})")
    if not isinstance(value, (str, list)):
        raise SpaceError(f"{where}: expected a family name or a list of names ({known}), got {_what(value)}")
    if not value:
        raise SpaceError(f"{where}: empty (expected one or more of: {known})")
    for item in [value] if isinstance(value, str) else value:
        if not isinstance(item, str):
            raise SpaceError(f"{where}: expected family names ({known}), got {_what(item)} in the list")
        if item not in FAMILIES:
            raise SpaceError(f"{where}: unknown family '{item}'{nearest(item, FAMILIES)}")
    if isinstance(value, list) and len(set(value)) != len(value):
        raise SpaceError(f"{where}: '{next(v for v in value if value.count(v) > 1)}' is listed twice")
    return value


def _family(raw: dict[str, Any], family: str, source: str, path: str = "",
            extra: tuple[str, ...] = ()) -> FamilySpace:
    """A family's sections from `raw`, where `extra` keys (name, family, ...) may also appear."""
    schema = FAMILIES[family]
    allowed = list(extra) + list(schema)
    for key in raw:
        if key not in allowed:
            raise SpaceError(f"{source}: {path}{key}: unknown key{nearest(str(key), allowed)}")
    for name, sec in schema.items():
        if sec.required and name not in raw:
            raise SpaceError(f"{source}: {path}{name}: missing required section")
    sections = {name: _section(raw.get(name), name, sec, source, path) for name, sec in schema.items()}
    return FamilySpace(family=family, sections=sections, prefix=f"{family}." if path else "")


def _choice(raw: dict[str, Any], names: list[str], source: str) -> dict[str, FamilySpace]:
    """The families of `family: [a, b]`, each from its own mapping under `families:`."""
    for key in raw:
        owners = [n for n in names if key in FAMILIES[n]]
        if owners and key not in TOP_KEYS:
            raise SpaceError(f"{source}: {key}: with a list of families, sections go under "
                             f"{CHOICE_KEY}.<family> ({CHOICE_KEY}.{owners[0]}.{key})")
        if key not in TOP_KEYS + (CHOICE_KEY,):
            raise SpaceError(f"{source}: {key}: unknown key{nearest(str(key), TOP_KEYS + (CHOICE_KEY,))}")
    body = raw.get(CHOICE_KEY)
    if not isinstance(body, dict):
        got = "missing" if body is None else f"expected a mapping of family -> sections, got {_what(body)}"
        raise SpaceError(f"{source}: {CHOICE_KEY}: {got} (a list of families needs "
                         f"{CHOICE_KEY}: {{{names[0]}: {{sections}}, ...}})")
    for key in body:
        if key not in names:
            raise SpaceError(f"{source}: {CHOICE_KEY}.{key}: not in the family list [{', '.join(names)}]")
    families = {}
    for name in names:
        if name not in body:
            raise SpaceError(f"{source}: {CHOICE_KEY}.{name}: missing (the family list names it)")
        sections = {} if body[name] is None else body[name]
        if not isinstance(sections, dict):
            raise SpaceError(f"{source}: {CHOICE_KEY}.{name}: expected a mapping of sections, got {_what(sections)}")
        families[name] = _family(sections, name, source, f"{CHOICE_KEY}.{name}.")
    return families


def parse_space(raw: Any, source: str = "<space>") -> Space:
    """Validate a space given as a plain mapping (what YAML or the store gives back)."""
    if not isinstance(raw, dict):
        raise SpaceError(f"{source}: expected a mapping at the top level, got {type(raw).__name__}")
    names = _family_names(raw.get("family"), source)
    label = str(raw.get("name", ""))
    if isinstance(names, list):
        return Space(_choice(raw, names, source), name=label, source=source, family_choice=True)
    if CHOICE_KEY in raw:
        raise SpaceError(f"{source}: {CHOICE_KEY}: only with a list of families (family: [{names}, ...])")
    return Space({names: _family(raw, names, source, extra=TOP_KEYS)}, name=label, source=source)


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
