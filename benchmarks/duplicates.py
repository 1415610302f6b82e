"""Duplicates: how often a search proposes a configuration it has already finished, and what
reusing the earlier result (nas/dedup.py) saves.

A small, all-categorical CNN space on digits (72 configurations: repeats are common there, as
in any space a user narrows down) searched with the default sampler, 1 epoch per trial, twice in
the same command: with duplicate reuse switched off (the baseline: every repeat is trained again)
and on. Reported: repeats sampled, repeats trained, seconds spent in training (sum of the trials'
`train_seconds`), and the best validation accuracy.
"""
from __future__ import annotations

try:
    from benchmarks._common import parse_quick, quiet, table
except ModuleNotFoundError:  # run as a script
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from benchmarks._common import parse_quick, quiet, table

import tempfile
from pathlib import Path
from typing import Any

DISCRETE_SPACE = """\
family: cnn
blocks:
  depth: {low: 1, high: 2}
  channels: [8, 16, 32]
  kernel: [3]
  pool: [max, none]
head:
  hidden: [0, 32]
train:
  lr: [0.003, 0.01]
  batch_size: 64
  epochs: 1
"""


def _run(space_path: Path, trials: int, seed: int, dedup: bool, tmp: Path) -> tuple[int, int, float, float]:
    """(repeats sampled, repeats trained, seconds spent training, best value) of one search."""
    from rich.console import Console

    import nas.search.dedup
    from nas.arch import Arch
    from nas.commands._progress import PlainObserver
    from nas.search import SearchConfig, run_search
    from nas.store import load_study, open_storage

    url = f"sqlite:///{tmp}/dups-{seed}-{dedup}.db"
    saved = nas.search.dedup.DuplicateIndex.reuse
    if not dedup:
        nas.search.dedup.DuplicateIndex.reuse = lambda self, trial, arch: None  # type: ignore[method-assign]
    try:
        run_search(SearchConfig.from_flags(task="image", space=str(space_path), trials=trials, seed=seed, storage=url,
                                artifacts=str(tmp / "artifacts"), pruner="none"), PlainObserver(Console(file=open("/dev/null", "w"))))
    finally:
        nas.search.dedup.DuplicateIndex.reuse = saved  # type: ignore[method-assign]
    trials_ = load_study(None, open_storage(url, create=False)).trials
    seen: set[str] = set()
    sampled = 0
    for t in trials_:
        key = Arch.from_dict(t.user_attrs["arch"]).to_json()
        sampled += key in seen
        seen.add(key)
    trained = sampled - sum("duplicate_of" in t.user_attrs for t in trials_)
    training = sum(t.user_attrs.get("train_seconds", 0.0) for t in trials_ if "duplicate_of" not in t.user_attrs)
    return sampled, trained, training, max(t.value for t in trials_ if t.value is not None)


def main(quick: bool = False) -> list[list[Any]]:
    import torch

    quiet()
    torch.set_num_threads(1)
    trials, seeds = (30, 2) if quick else (60, 3)
    rows = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        space = tmp / "discrete.yaml"
        space.write_text(DISCRETE_SPACE)
        for seed in range(seeds):
            off, on = _run(space, trials, seed, False, tmp), _run(space, trials, seed, True, tmp)
            rows.append([seed, off[0], off[1], on[0], on[1], off[2], on[2], on[2] / off[2], off[3], on[3]])
    table(f"4. Duplicates: TPE, {trials} trials on a 72-configuration discrete space, 1 epoch/trial, digits",
          ["seed", "repeats sampled (off)", "trained (off)", "repeats sampled (on)", "trained (on)",
           "training s (off)", "training s (on)", "ratio on/off", "best off", "best on"], rows)
    return rows


if __name__ == "__main__":
    main(parse_quick())
