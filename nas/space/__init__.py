"""The search-space DSL: YAML -> validated `Space` -> (via `nas.sample`) architecture dicts."""
from __future__ import annotations

from pathlib import Path

from nas.errors import SpaceError, nearest
from nas.space._grammar import Choice, Fixed, Param, Range, parse_value
from nas.space._load import FamilySpace, SectionSpace, Space, format_size, load_space, parse_space
from nas.space._schema import FAMILIES, Key, Section

__all__ = [
    "Choice", "Fixed", "Param", "Range", "Space", "FamilySpace", "SectionSpace", "FAMILIES", "Key", "Section",
    "format_size", "load_space", "parse_space", "parse_value", "shipped_space", "shipped_spaces",
]


def _shipped_dir() -> Path:
    """The packaged `search_spaces/` (installed as `nas.search_spaces`), else the checkout's."""
    try:
        from importlib.resources import files

        return Path(str(files("nas.search_spaces")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "search_spaces"


def shipped_spaces() -> dict[str, Path]:
    """Name -> path of every shipped space file (`image`, `sequence`, `tabular`, ...)."""
    return {p.stem: p for p in sorted(_shipped_dir().glob("*.yaml"))}


def shipped_space(name: str) -> Path:
    """Path of a shipped space by name; SpaceError lists the known names."""
    spaces = shipped_spaces()
    if name not in spaces:
        raise SpaceError(f"no shipped space named '{name}'{nearest(name, spaces)}")
    return spaces[name]
