"""A tiny searched study for the export tests: 3 real trials from `nas search` on digits, plus a
pruned, a failed and an "older run" completed trial without a checkpoint (added through Optuna).
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from tests.conftest import TINY_CNN, CliResult
from typer.testing import CliRunner

STUDY = "digits-tiny"


@dataclass(frozen=True)
class TinyStudy:
    root: Path
    storage: str
    artifacts: Path
    best: int
    pruned: int
    failed: int
    stale: int  # completed, but from an "older run": no checkpoint

    def args(self) -> list[str]:
        """The flags that point a command at this study."""
        return ["--study", STUDY, "--storage", self.storage, "--artifacts", str(self.artifacts)]


def cli(*args: object) -> CliResult:
    from nas.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    return CliResult(result.exit_code, result.stdout, result.stderr, result.exception)


def _add_trials(storage: str) -> tuple[int, int, int]:
    import optuna
    from optuna.trial import TrialState, create_trial

    study = optuna.load_study(study_name=STUDY, storage=storage)
    arch = study.trials[0].user_attrs["arch"]
    numbers = []
    for state, value, attrs in ((TrialState.PRUNED, None, {"arch": arch, "seed": 7}),
                                (TrialState.FAIL, None, {"arch": arch, "fail_reason": "DivergedError: nan"}),
                                (TrialState.COMPLETE, 0.0, {"arch": arch, "seed": 8, "test": 0.0})):
        study.add_trial(create_trial(state=state, value=value, user_attrs=attrs))
        numbers.append(len(study.trials) - 1)
    return numbers[0], numbers[1], numbers[2]


def shared_study(factory: pytest.TempPathFactory) -> TinyStudy:
    """One study per test session, kept in the session's temp folder: both export test modules
    read it, and neither changes it for good (every test writes its bundles elsewhere)."""
    root = factory.getbasetemp() / "export-study"
    if not (root / "ready").exists():
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir()
        (root / "ready").write_text(json.dumps(make_study(root).__dict__, default=str))
    saved = json.loads((root / "ready").read_text())
    return TinyStudy(**{**saved, "root": Path(saved["root"]), "artifacts": Path(saved["artifacts"])})


def make_study(root: Path) -> TinyStudy:
    """Search 3 tiny CNN trials (about 1 s each), then add the trials that have no checkpoint."""
    space = root / "tiny.yaml"
    space.write_text(TINY_CNN)
    storage, artifacts = f"sqlite:///{root / 'nas.db'}", root / "artifacts"
    result = cli("search", "--space", space, "--trials", 3, "--epochs", 1, "--study", STUDY,
                 "--storage", storage, "--artifacts", artifacts, "--quiet")
    assert result.exit_code == 0, result.stderr
    import optuna

    from nas.store import ranked_trials

    best = ranked_trials(optuna.load_study(study_name=STUDY, storage=storage))[0].number  # ties: by validation loss
    return TinyStudy(root, storage, artifacts, best, *_add_trials(storage))


def write_test_pngs(folder: Path) -> list[int]:
    """The digits test split as 8-bit PNGs of the raw 0-16 pixel values; returns the labels."""
    from PIL import Image

    from nas.data import DataSpec, load_data

    data = load_data(DataSpec(task="image"))
    prep = data.preprocessing
    raw = np.rint((data.test.X.numpy() * prep["std"][0] + prep["mean"][0]) / prep["scale"]).astype(np.uint8)
    folder.mkdir(parents=True, exist_ok=True)
    for i, img in enumerate(raw):
        Image.fromarray(img[0]).save(folder / f"{i:04d}.png")
    return data.test.y.tolist()


def one_line_error(result: CliResult, *fragments: str) -> None:
    """The CLI's contract for bad input: exit 2, one `error:` line naming the problem, no traceback."""
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stderr.startswith("error: ") and result.stderr.strip().count("\n") == 0, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr
