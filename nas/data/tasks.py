"""The tasks nas searches, one record each: what its inputs look like and what it starts from.

One table instead of `task == "image"` branches: the loaders, standardisation and the CLI's
defaults read these records.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Task:
    """A task: its input layout (rank with the batch axis; None = any), the axis that keeps its own
    statistics when standardising, and its defaults (built-in dataset, shipped space)."""

    name: str
    rank: int | None
    layout: str  # the input layout, for messages
    channel_axis: int  # per-channel (images, axis 1) or per-feature (last axis, -1) statistics
    default_dataset: str
    space: str  # the shipped space searched by default (search_spaces/<space>.yaml)


TASKS: dict[str, Task] = {
    "image": Task("image", 4, "N x C x H x W or N x H x W", 1, "digits", "image"),
    "sequence": Task("sequence", 3, "N x T x F (or N x T, or aeon's N x C x T)", -1, "digits_seq", "sequence"),
    "tabular": Task("tabular", None, "N x F", -1, "breast_cancer", "tabular"),
}
