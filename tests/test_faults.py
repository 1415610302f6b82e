"""Faults: SIGKILL at random points, then resume; SIGTERM/SIGINT stop cleanly; OOM is a trial failure.

These run the real CLI in a subprocess (`python -m nas`), because a kill must hit a real process.
"""
from __future__ import annotations

import os
import random
import signal
import sqlite3
from contextlib import closing
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from nas.store.storage import MAX_RETRIES

REPO = Path(__file__).resolve().parents[1]


def nas_cmd(*args: object) -> list[str]:
    return [sys.executable, "-m", "nas", *map(str, args)]


def nas_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NAS_STORAGE", "NAS_ARTIFACTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    env["OMP_NUM_THREADS"] = "1"
    return env


def n_trial_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:  # closing: `with` alone leaves it open
            return con.execute("SELECT COUNT(*) FROM trials").fetchone()[0]
    except sqlite3.Error:
        return 0


def wait_for_rows(proc: subprocess.Popen, db: Path, more_than: int, limit: float = 60.0) -> bool:
    """Wait until the search has created a new trial row (so a kill lands inside the trial loop)."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and proc.poll() is None:
        if n_trial_rows(db) > more_than:
            return True
        time.sleep(0.05)
    return False


def load(workdir: Path, study: str = "image-digits"):
    import optuna

    from nas.store import artifact_store, open_storage

    storage = open_storage(f"sqlite:///{workdir}/studies/nas.db", create=False)
    return optuna.load_study(study_name=study, storage=storage), artifact_store(f"sqlite:///{workdir}/studies/nas.db")


def test_sigkill_at_random_points_then_resume_loses_nothing(workdir: Path, tiny_space: Path) -> None:
    from optuna.trial import TrialState

    from nas.store import trial_row
    from nas.store.checkpoints import load_checkpoint

    # A tiny trial takes a fraction of a second: up to 1.5 s of one run before its kill can finish
    # several, so the target leaves room for every kill before the study completes on its own
    # (at 7, a fast machine finished it after 4 kills and the test could not kill a 5th time).
    target, kills, rng = 30, 0, random.Random(5)
    args = nas_cmd("search", "--space", tiny_space, "--trials", target, "--pruner", "none", "--sampler", "random", "-q")
    db = workdir / "studies" / "nas.db"
    for _ in range(8):
        before = n_trial_rows(db)
        proc = subprocess.Popen(args, cwd=workdir, env=nas_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if wait_for_rows(proc, db, before):
            time.sleep(rng.uniform(0.0, 1.5))  # somewhere in sampling, training, checkpointing or telling
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.communicate(timeout=60)
        if kills >= 5:
            break
    final = subprocess.run(args, cwd=workdir, env=nas_env(), capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    assert "Traceback" not in final.stderr
    assert kills >= 5

    study, store = load(workdir)
    trials = study.get_trials(deepcopy=False)
    complete = [t for t in trials if t.state == TrialState.COMPLETE]
    assert len(complete) == target  # exactly --trials, none lost
    assert len({t.number for t in trials}) == len(trials)
    assert not [t for t in trials if t.state in (TrialState.RUNNING, TrialState.WAITING)]
    configs = [tuple(sorted(t.params.items())) for t in complete]
    assert len(set(configs)) == len(configs)  # no configuration completed twice
    for t in trials:
        if t.state == TrialState.FAIL:  # a killed trial: marked failed, its configuration retried once
            assert "died" in trial_row(t)["reason"]  # what `nas leaderboard --all` shows
            retries = [r for r in trials if r.user_attrs.get("retry_of") == t.number]
            if len(t.system_attrs.get("retry_history", [])) >= MAX_RETRIES:
                assert not retries  # a configuration that killed its worker MAX_RETRIES times is given up
                continue
            assert len(retries) == 1
            # the retry repeats what had been sampled (all of it, part of it when killed mid-sampling)
            assert all(retries[0].params.get(k) == v for k, v in t.params.items())
    for t in complete:
        state = load_checkpoint(t, store)
        assert state and all(v.isfinite().all() for v in state.values())


@pytest.mark.parametrize("signum, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_signal_stops_cleanly_and_resume_retries_the_trial(workdir: Path, tiny_space: Path, signum: int, code: int) -> None:
    from optuna.trial import TrialState

    space = tiny_space.read_text().replace("epochs: 1", "epochs: 50")  # long trials: the signal lands mid-trial
    slow = workdir / "slow.yaml"
    slow.write_text(space)
    args = nas_cmd("search", "--space", slow, "--trials", 3, "--pruner", "none", "--sampler", "random")
    proc = subprocess.Popen(args, cwd=workdir, env=nas_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_for_rows(proc, workdir / "studies" / "nas.db", 0)
    time.sleep(0.5)
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert "Traceback" not in err
    assert "interrupted" in out and "0 complete" in out  # the summary is printed

    study, _ = load(workdir)
    trials = study.get_trials(deepcopy=False)
    failed = [t for t in trials if t.state == TrialState.FAIL]
    waiting = [t for t in trials if t.state == TrialState.WAITING]
    assert len(failed) == 1 and signal.Signals(signum).name in failed[0].user_attrs["fail_reason"]
    assert len(waiting) == 1 and waiting[0].params == failed[0].params  # re-queued for the next run
    assert not [t for t in trials if t.state == TrialState.RUNNING]


def test_out_of_memory_is_a_recorded_trial_failure(workdir: Path, tiny_space: Path, run_cli, monkeypatch) -> None:
    import torch

    import nas.search.objective

    calls = {"n": 0}
    real = nas.search.objective.Objective._train

    def flaky(self, trial, arch, seed):  # noqa: ANN001
        calls["n"] += 1
        if calls["n"] == 1:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
        if calls["n"] == 2:
            raise MemoryError("cannot allocate 8 GiB")
        return real(self, trial, arch, seed)

    monkeypatch.setattr(nas.search.objective.Objective, "_train", flaky)
    result = run_cli("search", "--space", tiny_space, "--trials", 1, "--pruner", "none", "-q")
    assert result.exit_code == 0, result.stderr
    assert "1 complete, 0 pruned, 2 failed" in result.stdout
    rows = run_cli("leaderboard", "--all", "--json").json()
    reasons = sorted(r["reason"] for r in rows if r["state"] == "fail")
    assert reasons[0].startswith("out of memory (GPU)") and reasons[1].startswith("out of memory (host)")


def test_trial_of_a_dead_remote_worker_is_failed_by_heartbeat_and_retried(workdir: Path) -> None:
    """A worker on another machine cannot be checked by pid: its trial goes stale (no heartbeat)."""
    import optuna
    from optuna.trial import TrialState

    from nas.store import open_storage
    from nas.search.loop import fail_dead_trials

    storage = open_storage("sqlite:///studies/nas.db", create=True, heartbeat=2)  # grace period: 6 s
    study = optuna.create_study(study_name="remote", storage=storage)
    warnings.simplefilter("ignore", UserWarning)  # Optuna: heartbeats are "meant for" optimize(); we ask by hand
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    trial.set_user_attr("worker", "some-other-host:4242:99")
    storage.record_heartbeat(trial._trial_id)
    assert fail_dead_trials(study) == [] and study.trials[0].state == TrialState.RUNNING  # alive as far as we know
    time.sleep(7)
    fail_dead_trials(study)
    states = [t.state for t in study.get_trials(deepcopy=False)]
    assert states == [TrialState.FAIL, TrialState.WAITING]
    retry = study.get_trials(deepcopy=False)[1]
    assert retry.params == study.trials[0].params and retry.user_attrs["retry_of"] == 0
    assert "worker" not in retry.user_attrs  # the dead lease is not copied


def test_running_trial_without_lease_left_by_an_old_run_does_not_block(workdir: Path) -> None:
    """A RUNNING trial that never took a lease (its process killed between creating it and
    writing the lease, or an older nas) is failed and re-queued: at once by a worker holding the
    gate (no live worker is ever between those two steps there: `start_trial` leases first), after
    UNLEASED_SECONDS where no gate orders the workers (a live one may be just starting)."""
    import datetime

    import optuna
    from optuna.trial import TrialState

    from nas.store import open_storage
    from nas.search.loop import UNLEASED_SECONDS, fail_dead_trials

    study = optuna.create_study(study_name="old", storage=open_storage("sqlite:///studies/nas.db", create=True))
    for _ in range(2):  # a stuck one, and one created a moment ago
        study.ask().suggest_float("x", 0, 1)
    old = datetime.datetime.now() - datetime.timedelta(seconds=UNLEASED_SECONDS + 5)
    with closing(sqlite3.connect(workdir / "studies" / "nas.db")) as con:  # closing: `with` alone leaves it open
        con.execute("UPDATE trials SET datetime_start = ? WHERE number = 0", (old.isoformat(sep=" "),))
        con.commit()
    assert fail_dead_trials(study) == [0]  # no gate: only the old one
    trials = study.get_trials(deepcopy=False)
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.RUNNING, TrialState.WAITING]
    assert trials[2].params == trials[0].params
    assert fail_dead_trials(study, gated=True) == [1]  # under the gate: the new one too, at once
    trials = study.get_trials(deepcopy=False)
    assert [t.state for t in trials] == [TrialState.FAIL, TrialState.FAIL, TrialState.WAITING, TrialState.WAITING]
    assert trials[1].user_attrs["fail_reason"] == "worker process died (no lease taken); configuration re-queued"


def test_a_trial_takes_its_lease_before_the_next_worker_may_count(workdir: Path) -> None:
    """The order that lets a worker holding the gate fail an unleased trial at once: the lease is
    written while the gate is still held, and the gate is then released."""
    import optuna

    from nas.store import open_storage
    from nas.search.loop import Gate, start_trial, worker_id

    storage = open_storage("sqlite:///studies/nas.db", create=True)
    study = optuna.create_study(study_name="order", storage=storage)
    seen: list[object] = []

    class Watched(Gate):
        def release(self) -> None:
            seen.append(study.trials[0].user_attrs.get("worker"))
            super().release()

    watched = Watched(study._storage, study._study_id)
    assert watched.orders  # a SQLite file: its lock orders the workers
    with watched:
        start_trial(study.ask(), watched)
        assert seen == [worker_id()]


def test_a_trial_failed_by_the_heartbeat_check_shows_why() -> None:
    """Only Optuna's heartbeat check fails a trial without a stored reason (its process died in the
    milliseconds before the trial took its lease); the leaderboard still names the death."""
    import optuna
    from optuna.trial import TrialState, create_trial

    from nas.store import leaderboard

    study = optuna.create_study()
    study.add_trial(create_trial(state=TrialState.FAIL))
    study.add_trial(create_trial(state=TrialState.FAIL, user_attrs={"fail_reason": "ValueError: bad"}))
    study.add_trial(create_trial(state=TrialState.COMPLETE, value=1.0))
    reasons = {row["trial"]: row["reason"] for row in leaderboard(study, include_all=True)}
    assert "died" in reasons[0] and "no heartbeat" in reasons[0]
    assert reasons[1] == "ValueError: bad" and reasons[2] is None
