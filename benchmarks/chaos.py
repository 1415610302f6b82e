"""Kill `nas search` with SIGKILL many times at random moments, resume, and count what was lost.

Usage: python benchmarks/chaos.py [KILLS] [TRIALS]   (default 20 kills, 30 trials; from the repo root)
Prints kills survived, trials completed vs target, failed (killed) trials and their retries,
duplicate configurations, and checkpoints that do not load. Lost must be 0.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from memory import TINY  # noqa: E402


def main() -> None:
    import optuna
    from optuna.trial import TrialState

    from nas.store import artifact_store, open_storage
    from nas.store.checkpoints import load_checkpoint

    kills_wanted = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    target = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    rng = random.Random(0)
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "tiny.yaml").write_text(TINY)
        args = [sys.executable, "-m", "nas", "search", "--space", "tiny.yaml", "--trials", str(target),
                "--pruner", "none", "--sampler", "random", "-q"]
        kills = 0
        while kills < kills_wanted:
            proc = subprocess.Popen(args, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(3.0, 9.0))  # imports take ~3 s: kills land anywhere in the trial loop
            if proc.poll() is not None:
                break  # the study finished before this kill
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            kills += 1
        final = subprocess.run(args, cwd=tmp, env=env, capture_output=True, text=True)
        url = f"sqlite:///{tmp}/studies/nas.db"
        study = optuna.load_study(study_name="image-digits", storage=open_storage(url, create=False))
        trials = study.get_trials(deepcopy=False)
        complete = [t for t in trials if t.state == TrialState.COMPLETE]
        failed = [t for t in trials if t.state == TrialState.FAIL]
        configs = [tuple(sorted(t.params.items())) for t in complete]
        store, bad = artifact_store(url), 0
        for t in complete:
            try:
                load_checkpoint(t, store)
            except Exception:  # noqa: BLE001 - counting unloadable checkpoints
                bad += 1
        retried = sum(any(r.user_attrs.get("retry_of") == t.number for r in trials) for t in failed)
        print(f"kills survived: {kills}; final run exit {final.returncode}; complete {len(complete)}/{target} "
              f"(lost {target - len(complete)}); killed trials {len(failed)}, re-queued {retried}; "
              f"left running/waiting {sum(t.state in (TrialState.RUNNING, TrialState.WAITING) for t in trials)}; "
              f"duplicate configurations {len(configs) - len(set(configs))}; unloadable checkpoints {bad}")


if __name__ == "__main__":
    main()
