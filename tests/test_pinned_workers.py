"""`nas search --workers 3` stopped by SIGTERM, pinned before the engine moves (issue 10).

A scheduler (Slurm, Kubernetes, systemd) stops a job with SIGTERM. Every worker process must
stop, the command must exit 143, the configurations cut short must be re-queued, and running the
command again must end the study at exactly --trials finished trials. The search runs as a real
process tree (`python -m nas`); stored facts are read with Optuna on the SQLite URL.
"""
from __future__ import annotations

import os
import signal
import sqlite3
from contextlib import closing
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import torch
from optuna.trial import TrialState

REPO = Path(__file__).resolve().parents[1]
TARGET, WORKERS, EPOCHS = 6, 3, 30  # trials of a few seconds: workers that start late (a loaded machine) still overlap


def nas_process(*args: object, cwd: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("NAS_STORAGE", "NAS_ARTIFACTS")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")])
    return subprocess.Popen([sys.executable, "-m", "nas", *map(str, args)], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def training_trials(db: Path) -> int:
    """Running trials that have reported an epoch (Optuna's tables): past set-up, inside training."""
    if not db.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as con:  # closing: `with` alone leaves it open
            return con.execute("SELECT COUNT(*) FROM trials t WHERE t.state = 'RUNNING' AND EXISTS "
                               "(SELECT 1 FROM trial_intermediate_values v WHERE v.trial_id = t.trial_id)").fetchone()[0]
    except sqlite3.Error:
        return 0


def worker_pids(parent: int) -> set[int]:
    """Live children of `parent` that are multiprocessing workers (not the resource tracker)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == parent and b"spawn_main" in cmdline:
            pids.add(int(entry.name))
    return pids


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to find the worker processes")
def test_sigterm_stops_every_worker_requeues_and_a_resume_ends_at_the_target(workdir: Path, tiny_space: Path,
                                                                             run_cli) -> None:
    slow = workdir / "slow.yaml"
    slow.write_text(tiny_space.read_text().replace("epochs: 1", f"epochs: {EPOCHS}"))  # trials of a second or so
    args = ("search", "--space", slow, "--trials", TARGET, "--pruner", "none", "--sampler", "random", "--threads", 1, "-q")
    proc = nas_process(*args, "--workers", WORKERS, cwd=workdir)
    db, together = workdir / "studies" / "nas.db", False
    deadline = time.monotonic() + 180
    while not together and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
        together = training_trials(db) == WORKERS
    assert together and proc.poll() is None, "the three workers never trained at the same time"
    seen = worker_pids(proc.pid)
    assert len(seen) == WORKERS
    proc.send_signal(signal.SIGTERM)  # every worker is inside a trial's training
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, (out, err)
    assert "interrupted" in out
    assert not [pid for pid in seen if alive(pid)]  # every worker stopped with the command

    trials = optuna.load_study(study_name="image-digits", storage=f"sqlite:///{db}").get_trials(deepcopy=False)
    failed = [t for t in trials if t.state == TrialState.FAIL]
    # KNOWN BUG (reported to the lead, issue 10): the signal handler raises wherever the worker is.
    # When that is inside Optuna's tell (a busy machine delays the signal past the training), Optuna's
    # _run_trial fails with UnboundLocalError: that worker prints a traceback, exits 1 and leaves its
    # trial RUNNING until the next run fails it as dead and re-queues it. Tolerated here, never more.
    stuck = [t for t in trials if t.state == TrialState.RUNNING]
    assert "Traceback" not in err or ("UnboundLocalError" in err and stuck), err
    assert failed or stuck
    waiting = {t.user_attrs.get("retry_of"): t for t in trials if t.state == TrialState.WAITING}
    assert sorted(waiting) == sorted(t.number for t in failed)  # each cut-short configuration re-queued once
    assert all(waiting[t.number].params == t.params for t in failed)
    # A trial stopped inside its training says why. (KNOWN BUG: one stopped during its set-up or
    # after its training, outside the objective's try, is failed and re-queued without a reason.)
    for t in failed:
        if 1 <= len(t.intermediate_values) < EPOCHS:
            assert t.user_attrs["fail_reason"] == "interrupted (SIGTERM); configuration re-queued"
    finished_before = sum(t.state in (TrialState.COMPLETE, TrialState.PRUNED) for t in trials)

    threads = torch.get_num_threads()
    try:  # the resume (one worker, in this process: spawning three more would double the test's time)
        resume = run_cli(*args)
    finally:
        torch.set_num_threads(threads)
    assert resume.exit_code == 0, resume.stderr
    cut_short = failed + stuck
    assert f"{TARGET} complete, 0 pruned, {len(cut_short)} failed (target {TARGET}); {len(cut_short)} of the failed " \
           f"stopped unfinished (time budget, signal or a dead worker), configuration re-queued; " \
           f"{TARGET - finished_before} trial(s) ran this time" in resume.stdout
    final = optuna.load_study(study_name="image-digits", storage=f"sqlite:///{db}").get_trials(deepcopy=False)
    states = [t.state for t in final]
    assert states.count(TrialState.COMPLETE) == TARGET and states.count(TrialState.FAIL) == len(cut_short)
    assert TrialState.WAITING not in states and TrialState.RUNNING not in states
    retries = {t.user_attrs.get("retry_of"): t for t in final if "retry_of" in t.user_attrs}
    for t in cut_short:  # each cut-short configuration ran again, once, to completion
        assert retries[t.number].state == TrialState.COMPLETE and retries[t.number].params == t.params
