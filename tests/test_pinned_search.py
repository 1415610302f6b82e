"""Search behaviour pinned before the engine moves (issue 10): pruning, the time budget, widening.

Everything goes through the CLI (`nas ...` in-process) and the stored facts are read the way a
user or a script reads them: `nas leaderboard --all --json`, or Optuna on the SQLite URL. Nothing
here imports nas internals, so these tests hold across the restructure.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import optuna
import pytest
import torch
from tests.conftest import TINY_CNN, CliResult
from typer.testing import CliRunner

STUDY = "image-digits"  # the default study name for the default task and dataset


@pytest.fixture(autouse=True)
def keep_torch_threads():
    """`--threads 1` and `nas rerun` set torch's thread count in this process; put it back."""
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def space_file(folder: Path, name: str, epochs: int, text: str = TINY_CNN) -> Path:
    path = folder / name
    path.write_text(text.replace("epochs: 1", f"epochs: {epochs}"))
    return path


def cli(*args: object) -> CliResult:
    """`nas ARGS...` in-process (as the run_cli fixture, usable from a module-scoped fixture)."""
    from nas.cli import app

    result = CliRunner().invoke(app, [str(a) for a in args])
    return CliResult(result.exit_code, result.stdout, result.stderr, result.exception)


def stored(where: Path | str) -> optuna.Study:
    """The study as Optuna reads it: `where` is the folder holding studies/nas.db, or a URL."""
    url = where if isinstance(where, str) else f"sqlite:///{where}/studies/nas.db"
    return optuna.load_study(study_name=STUDY, storage=url)


def summary_counts(stdout: str) -> tuple[int, int, int, int]:
    """(complete, pruned, failed, ran) from the search summary line."""
    line = next(s for s in stdout.splitlines() if " complete, " in s and "trial(s) ran this time" in s)
    words = line.replace(",", "").replace(";", "").split()
    number = lambda word: int(words[words.index(word) - 1])  # noqa: E731
    return number("complete"), number("pruned"), number("failed"), int(line.split(" trial(s) ran")[0].split()[-1])


# --------------------------------------------------------------- pruning, rerun, retrain


@dataclass(frozen=True)
class PrunedStudy:
    folder: Path
    rows: list[dict]  # `nas leaderboard --all --json`

    @property
    def storage(self) -> str:
        return f"sqlite:///{self.folder}/studies/nas.db"

    def first_pruned(self) -> dict:
        return next(r for r in self.rows if r["state"] == "pruned")


@pytest.fixture(scope="module")
def pruned(tmp_path_factory: pytest.TempPathFactory) -> PrunedStudy:
    """8 trials of 3 epochs under Hyperband (min 1 epoch, factor 3): some trials stop early.
    One study for the tests below, which only read it (pointed at it with --storage)."""
    folder = tmp_path_factory.mktemp("pruned")
    with pytest.MonkeyPatch.context() as patch:  # the default store: studies/nas.db in that folder
        patch.chdir(folder)
        for var in ("NAS_STORAGE", "NAS_ARTIFACTS"):
            patch.delenv(var, raising=False)
        space = space_file(folder, "tiny3.yaml", epochs=3)
        args = ("search", "--space", space, "--trials", 8, "--pruner", "hyperband", "--threads", 1, "-q")
        result = cli(*args)
        assert result.exit_code == 0, result.stderr
        complete, pruned, failed, ran = summary_counts(result.stdout)
        assert pruned >= 1, result.stdout  # the pruner really stopped trials
        assert (complete + pruned, failed, ran) == (8, 0, 8)  # pruned trials count toward --trials
        again = cli(*args)  # the same command again: the study is already finished
        assert again.exit_code == 0, again.stderr
        assert summary_counts(again.stdout) == (complete, pruned, 0, 0)
        rows = cli("leaderboard", "--all", "--json")
    assert rows.exit_code == 0, rows.stderr
    return PrunedStudy(folder, rows.json())


def test_pruned_trials_count_toward_trials_and_show_in_leaderboard_all(pruned: PrunedStudy) -> None:
    rows = pruned.rows
    assert sorted(r["trial"] for r in rows) == list(range(8))
    stopped = [r for r in rows if r["state"] == "pruned"]
    complete = [r for r in rows if r["state"] == "complete"]
    assert len(stopped) + len(complete) == 8 and stopped
    assert [r["rank"] for r in complete] == list(range(1, len(complete) + 1))  # ranked first, best first
    assert rows[: len(complete)] == complete
    for r in stopped:  # listed after the ranked ones, unranked, stopped before the last epoch, no test figure
        assert r["rank"] is None and r["test"] is None and 1 <= r["epochs"] < 3
    assert all(r["epochs"] == 3 and r["test"] is not None for r in complete)
    ranked_only = cli("leaderboard", "--json", "--storage", pruned.storage).json()
    assert [r["trial"] for r in ranked_only] == [r["trial"] for r in complete]
    study = stored(pruned.storage)
    for r in stopped:
        trial = study.trials[r["trial"]]
        assert trial.state == optuna.trial.TrialState.PRUNED
        assert len(trial.intermediate_values) == r["epochs"]  # one report per epoch it ran


def test_rerun_of_a_pruned_trial_replays_only_its_epochs(pruned: PrunedStudy) -> None:
    row = pruned.first_pruned()
    result = cli("rerun", "--trial", row["trial"], "--storage", pruned.storage, "--json")
    assert result.exit_code == 0, result.stderr
    report = result.json()
    trial = stored(pruned.storage).trials[row["trial"]]
    assert (report["trial"], report["state"], report["seed"]) == (row["trial"], "pruned", trial.user_attrs["seed"])
    assert report["stored_curve"] == [trial.intermediate_values[e] for e in sorted(trial.intermediate_values)]
    assert len(report["rerun_curve"]) == row["epochs"]  # it stopped early: only the epochs it ran
    assert report["identical"] is True and report["max_difference"] == 0.0  # same seed, same threads, CPU
    assert report["stored_value"] is None and report["stored_test"] is None


def test_retrain_of_a_pruned_trial_trains_its_full_epochs_into_a_bundle(pruned: PrunedStudy, tmp_path: Path) -> None:
    row = pruned.first_pruned()
    out = tmp_path / "retrained"
    result = cli("retrain", "--trial", row["trial"], "--storage", pruned.storage, "--format", "state-dict",
                 "--out", out, "--device", "cpu", "-q")
    assert result.exit_code == 0, result.stderr
    assert "(search: -)" in result.stdout  # a pruned trial has no test figure to compare with
    manifest = json.loads((out / "manifest.json").read_text())
    trial = stored(pruned.storage).trials[row["trial"]]
    source = manifest["source"]
    assert (source["trial"], source["seed"]) == (row["trial"], trial.user_attrs["seed"])
    assert source["retrained"]["epochs"] == 3  # the architecture's epochs, not the 1-2 it ran before pruning
    assert manifest["checks"]["test_reproduced"]["exact"] is True
    assert json.loads((out / "arch.json").read_text()) == trial.user_attrs["arch"]


# --------------------------------------------------------------- --timeout


def test_timeout_stops_the_running_trial_at_the_deadline_and_a_resume_completes(workdir: Path, run_cli) -> None:
    """Issue 13: --timeout is a budget that holds. The trial running at the deadline is stopped
    (recorded with its reason, configuration re-queued), no trial starts after it, the command
    returns soon after it, and a resume completes the study with the cut configuration."""
    import datetime

    budget, target = 5.0, 6
    slow = space_file(workdir, "slow.yaml", epochs=40)  # about 2 s per trial: longer than the budget
    args = ("search", "--space", slow, "--trials", target, "--pruner", "none", "--threads", 1, "-q")
    started = datetime.datetime.now()
    first = run_cli(*args, "--timeout", f"{budget}s")
    assert first.exit_code == 0, first.stderr
    deadline = started + datetime.timedelta(seconds=budget)  # the budget counts from the start, start-up included
    done = sorted((t for t in stored(workdir).trials if t.state == optuna.trial.TrialState.COMPLETE),
                  key=lambda t: t.datetime_complete)
    for t in done[1:]:  # no trial trains past the budget (a slow machine may start one a moment late;
        # then it is cut at its first epoch), except the first: with no answer yet, it is never cut
        assert t.datetime_complete < deadline + datetime.timedelta(seconds=3)
    complete, pruned, failed, ran = summary_counts(first.stdout)
    assert complete < target and failed <= 1
    trials = stored(workdir).trials
    # the one pruning with --pruner none: a trial whose epochs would take more than half the time left
    assert pruned == sum("too_slow" in t.user_attrs for t in trials if t.state == optuna.trial.TrialState.PRUNED)
    cut = [t for t in trials if t.state == optuna.trial.TrialState.FAIL]
    if cut:  # a trial was running at the deadline: stopped, its reason stored, configuration re-queued
        assert "time budget reached" in first.stdout
        assert f"{failed} failed (target {target}); {failed} of the failed stopped unfinished" in first.stdout  # not a fault
        assert "interrupted (time budget reached); configuration re-queued" in cut[0].user_attrs["fail_reason"]
        waiting = [t for t in trials if t.state == optuna.trial.TrialState.WAITING]
        assert len(waiting) == 1 and waiting[0].params == cut[0].params
    resume = run_cli(*args)
    assert resume.exit_code == 0, resume.stderr
    final = stored(workdir).trials
    done = [t for t in final if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(done) == target
    assert all(any(d.params == c.params for d in done) for c in cut)  # the cut configuration ran again


def test_timeout_keeps_time_for_the_final_model_within_the_budget(workdir: Path, run_cli) -> None:
    """The budget covers the final model: trials stop early enough that the rank-1 configuration
    is refit on train + validation before the deadline (before, the trials used the whole budget
    and the best configuration shipped without its final model), and the summary says why the
    search stopped and how to change the budget."""
    import time

    budget = 14.0
    slow = space_file(workdir, "slow.yaml", epochs=40)  # about 2 s per trial
    started = time.monotonic()
    out = run_cli("search", "--space", slow, "--trials", 50, "--pruner", "none", "--threads", 1,
                  "--timeout", f"{budget:.0f}s")
    wall = time.monotonic() - started
    assert out.exit_code == 0, out.stderr
    assert "stopped early: time budget reached (--timeout 14s" in out.stdout
    assert "refit on train + validation" in out.stdout and "no final model" not in out.stdout
    assert wall < budget + 3  # start-up, trials and the final model together
    complete, _, _, _ = summary_counts(out.stdout)
    assert 1 <= complete < 50


def test_timeout_ends_the_first_trial_as_it_stands_when_no_trial_has_completed(workdir: Path, run_cli) -> None:
    """A budget shorter than one trial: the running trial is not cut and re-queued while the study
    has no completed trial (the search would end with nothing, and each resume would cut the same
    configuration again), nor trained on past the deadline (a large dataset's first trial ran past 10
    minutes of a 9-minute budget): its training ends at the last epoch that fits, it completes with
    what it learnt, said, and the search stops with that answer within the budget."""
    import time

    slow = space_file(workdir, "slower.yaml", epochs=400)  # far longer than the budget
    started = time.monotonic()
    out = run_cli("search", "--space", slow, "--trials", 3, "--pruner", "none", "--threads", 1, "--timeout", "6s")
    wall = time.monotonic() - started
    assert out.exit_code == 0, out.stderr
    complete, pruned, failed, ran = summary_counts(out.stdout)
    assert (complete, pruned, failed, ran) == (1, 0, 0, 1)
    assert "stopped early: time budget reached (--timeout 6s" in out.stdout and "best trial 0" in out.stdout
    assert "trial 0: the time budget ends before another epoch and no trial has finished: its training ends at epoch" in out.stdout
    assert wall < 6 + 4  # start-up, the trial and at most one epoch of a final model past the budget
    assert "  no final model: " in out.stdout  # no time left: the search-time model is the answer, its figures said once
    assert re.search(r"\n  test accuracy [\d.]+, macro-F1 [\d.]+ \(search-time model\)\n", out.stdout)
    trial = stored(workdir).trials[0]
    assert 1 <= len(trial.user_attrs["curve"]) < 400  # ended early, with the epochs it trained


def test_timeout_ends_a_cross_validated_first_trial_after_its_fold(workdir: Path, run_cli) -> None:
    """The same rule for a cross-validated trial (small data, large inputs: 200 photos at 64 x 64 ran
    5 folds of 30 epochs each): its fold's training ends at the last epoch that fits, the other
    folds are not trained, and it completes with the mean over the folds it trained, said."""
    import time

    slow = space_file(workdir, "slower.yaml", epochs=400)
    started = time.monotonic()
    out = run_cli("search", "--space", slow, "--trials", 3, "--pruner", "none", "--threads", 1, "--timeout", "6s",
                  "--cv", 3)
    wall = time.monotonic() - started
    assert out.exit_code == 0, out.stderr
    assert summary_counts(out.stdout)[:2] == (1, 0) and "best trial 0" in out.stdout
    assert re.search(r"trial 0: the time budget ends before another epoch and no trial has finished: its training ends "
                     r"at epoch \d+ of 400 of fold 1 of 3, and the other folds are not trained \(its value: the mean over "
                     r"1 fold\), as the study's first answer", out.stdout)
    assert wall < 6 + 4
    assert re.search(r"validation accuracy [\d.]+ \(3-fold CV, 1 fold trained at \d+ epochs?\)", out.stdout)
    trial = stored(workdir).trials[0]
    assert trial.user_attrs["folds"] == 1 and len(trial.user_attrs["fold_values"]) == 1
    curve = trial.user_attrs["curve"]  # one fold: its smoothed curve, as a holdout's
    assert 1 <= len(curve) < 400 and trial.value == curve[trial.user_attrs["chosen_epochs"] - 1]
    rerun = run_cli("rerun", "--trial", 0, "--json").json()  # replays the fold it trained, to where it ended
    assert rerun["identical"] and rerun["rerun_value"] == trial.value


# --------------------------------------------------------------- widening under TPE

WIDER = {  # each edit widens: every value the old space allowed is still allowed
    "depth: {low: 1, high: 2}": "depth: {low: 1, high: 3}",
    "lr: {low: 1.0e-3, high: 1.0e-2, log: true}": "lr: {low: 1.0e-4, high: 1.0e-1, log: true}",
    "batch_size: 128": "batch_size: [64, 128]",  # a fixed value opened into a choice that holds it
}


def test_widened_space_resumes_under_the_default_sampler_and_samples_the_new_ranges(workdir: Path, run_cli) -> None:
    tiny = space_file(workdir, "tiny.yaml", epochs=1)
    first = run_cli("search", "--space", tiny, "--trials", 5, "--pruner", "none", "--threads", 1, "-q")
    assert first.exit_code == 0, first.stderr
    text = tiny.read_text()
    for old, new in WIDER.items():
        assert old in text
        text = text.replace(old, new)
    wider = space_file(workdir, "wider.yaml", epochs=1, text=text)
    second = run_cli("search", "--space", wider, "--trials", 9, "--pruner", "none", "--threads", 1, "-q")
    assert second.exit_code == 0, second.stderr  # no --sampler: TPE
    assert summary_counts(second.stdout) == (9, 0, 0, 4)
    study = stored(workdir)
    assert study.user_attrs["nas"]["space"]["blocks"]["depth"] == {"low": 1, "high": 3}  # the space on record
    old, new = study.trials[:5], study.trials[5:]
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    assert all(t.distributions["blocks.depth"] == optuna.distributions.IntDistribution(1, 3) for t in new)
    assert all(t.distributions["train.lr"] == optuna.distributions.FloatDistribution(1e-4, 1e-1, log=True) for t in new)
    assert all("train.batch_size" not in t.params for t in old) and all("train.batch_size" in t.params for t in new)
    # The new trials really explore the widened part (grouped multivariate TPE kept the old ranges).
    outside = [t.number for t in new if t.params["blocks.depth"] == 3 or not 1e-3 <= t.params["train.lr"] <= 1e-2]
    assert outside, [t.params for t in new]
    assert all(t.user_attrs["arch"]["train"]["batch_size"] == 128 for t in old)
    assert {t.user_attrs["arch"]["train"]["batch_size"] for t in new} <= {64, 128}
