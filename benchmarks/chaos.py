"""SIGKILL `nas search --workers N` many times at random moments, resume each time, count what was lost.

Usage: python benchmarks/chaos.py [--kills 50] [--workers 4] [--step 60] [--seed 0] [--quick]
(from the repository root; --quick: 8 kills). Issue 14's figure: 50 kills across --workers 4.

Each round launches `nas search --workers N` on the tests' tiny space (its own process group),
then, after random delays of 0.2-8 s, sends SIGKILL to one of: the whole process group, the
parent only (its workers live on as orphans, and a later kill or the target ends them), or one
worker. The first delay counts from the launch in a quarter of the rounds (start-up, data
loading, study creation and spawning are hit), else from the launch's first complete trial
(training, checkpoint writes and tells are hit). A group kill ends the round; so does the search
finishing by itself. Then the next round resumes the study. Each round asks for `step` more
finished trials than the study holds (a user raising --trials on resume), so the study never
runs out of work before the kills are done; the last target is the final one. After the kills,
one clean run finishes the study.

Checked after every round: no complete trial disappears (the set of complete trial numbers only
grows) and the study never holds more finished trials than that round's target. At the end:
complete == final target, every complete trial has its arch, value and a loadable checkpoint,
nothing left RUNNING or WAITING, every failed (killed) trial re-queued (unless its configuration
reached Optuna's retry limit, counted apart), no duplicate configuration. Exits 1 when a check fails.
"""
from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._audit import Audit, audit, child_env, store_url, tiny_search  # noqa: E402

MODES = {"group": 0.4, "parent": 0.3, "worker": 0.3}
DELAY = (0.2, 8.0)  # seconds between kills (and from the moment the round is armed to its first)
FROM_LAUNCH = 0.25  # share of rounds whose first kill counts from the launch (start-up) instead


@dataclass
class Tally:
    kills: dict[str, int] = field(default_factory=lambda: dict.fromkeys(MODES, 0))
    rounds: int = 0
    natural_ends: int = 0
    complete: set[int] = field(default_factory=set)
    lost: set[int] = field(default_factory=set)  # complete in one round, not complete later
    overshoot: int = 0  # rounds that ended with more finished trials than their target
    history: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.kills.values())


def _live_where(field: int, value: int) -> list[int]:
    """Live (not zombie) processes whose /proc stat field `field` (after the command name:
    1 = parent pid, 2 = process group) equals `value`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[field]) == value and stat[0] != "Z":
                found.append(int(entry))
    return found


def _children(pid: int) -> list[int]:
    """Live processes whose parent is `pid`."""
    return _live_where(1, pid)


def _group_members(pgid: int) -> list[int]:
    """Live processes of the process group `pgid`."""
    return _live_where(2, pgid)


def _workers(pgid: int) -> list[int]:
    """The group's worker processes (spawned children running trials, not the resource tracker)."""
    out = []
    for pid in _group_members(pgid):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmd:
            out.append(pid)
    return out


def _kill_once(proc: subprocess.Popen, rng: random.Random) -> str | None:
    """Send one SIGKILL in a mode chosen at random among those possible now; the mode, or None."""
    pgid = proc.pid
    possible = {"group": bool(_group_members(pgid)), "parent": proc.poll() is None, "worker": bool(_workers(pgid))}
    modes = [m for m in MODES if possible[m]]
    if not modes:
        return None
    mode = rng.choices(modes, weights=[MODES[m] for m in modes])[0]
    try:
        if mode == "group":
            os.killpg(pgid, signal.SIGKILL)
        elif mode == "parent":
            proc.send_signal(signal.SIGKILL)
        else:
            os.kill(rng.choice(_workers(pgid)), signal.SIGKILL)
    except ProcessLookupError:
        return None  # it ended between the look and the kill
    return mode


def _complete_rows(folder: Path) -> int:
    """Complete trials stored so far (0 before the tables exist)."""
    try:
        with closing(sqlite3.connect(f"file:{folder}/studies/nas.db?mode=ro", uri=True, timeout=30)) as con:
            return con.execute("SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'").fetchone()[0]
    except sqlite3.Error:
        return 0


def _arm(proc: subprocess.Popen, folder: Path, before: int) -> None:
    """Wait until this launch has completed a trial, or its group is gone. On a busy machine
    start-up and a worker's first trial (first torch calls, lazy imports) take many seconds:
    kills timed from the launch alone nearly all landed there and the study made no progress."""
    while _complete_rows(folder) <= before and _group_members(proc.pid):
        time.sleep(0.2)


def _round(folder: Path, target: int, workers: int, tally: Tally, wanted: int, rng: random.Random) -> None:
    """One launch, killed at random until its group is gone (or it ends by itself)."""
    before = _complete_rows(folder)
    proc = subprocess.Popen(tiny_search(folder, target, workers), cwd=folder, env=child_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    if rng.random() >= FROM_LAUNCH:
        _arm(proc, folder, before)
    while tally.total < wanted:
        time.sleep(rng.uniform(*DELAY))
        proc.poll()
        if not _group_members(proc.pid):
            tally.natural_ends += 1
            break
        mode = _kill_once(proc, rng)
        if mode is None:
            continue
        tally.kills[mode] += 1
        if mode == "group":
            break
    proc.wait()
    while _group_members(proc.pid):  # orphaned workers of a killed parent run on to the target
        time.sleep(0.5)


def _check_round(url: str, target: int, tally: Tally) -> None:
    found = audit(url, checkpoints=False)
    now = found.complete_numbers
    tally.lost |= tally.complete - now
    tally.complete = now
    tally.overshoot += found.complete + found.states["PRUNED"] > target
    tally.history.append(found.complete)


def run(wanted: int, workers: int, step: int, seed: int) -> bool:
    rng, tally = random.Random(seed), Tally()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        folder, target = Path(tmp), 0
        url = store_url(folder)
        while tally.total < wanted:
            target = len(tally.complete) + step
            _round(folder, target, workers, tally, wanted, rng)
            tally.rounds += 1
            _check_round(url, target, tally)
            print(f"round {tally.rounds}: kills {tally.total}/{wanted} {tally.kills}, complete {tally.history[-1]}"
                  f"/{target}", flush=True)
        final = subprocess.run(tiny_search(folder, target, workers), cwd=folder, env=child_env(),
                               capture_output=True, text=True)
        _check_round(url, target, tally)
        found = audit(url)
    return _report(tally, found, target, final, time.perf_counter() - started)


def _report(tally: Tally, found: Audit, target: int, final: subprocess.CompletedProcess, seconds: float) -> bool:
    grew = all(a <= b for a, b in zip(tally.history, tally.history[1:]))
    print(f"{tally.total} SIGKILLs {tally.kills} over {tally.rounds} rounds ({tally.natural_ends} ended by "
          f"themselves), {seconds:.0f} s; final run exit {final.returncode}")
    print(f"complete trials lost {len(tally.lost)}; count only grew: {grew}; rounds over their target "
          f"{tally.overshoot}; final complete {found.complete} / target {target}")
    print(f"store: {found.summary()}")
    print(f"failure reasons: {dict(found.fail_reasons)}")
    ok = (final.returncode == 0 and not tally.lost and grew and tally.overshoot == 0 and found.complete == target
          and found.unloadable == 0 and found.no_arch == 0 and found.not_requeued == 0 and found.duplicates == 0
          and found.states["RUNNING"] == 0 and found.states["WAITING"] == 0)
    if not ok:
        print("final run output:", (final.stdout + final.stderr).strip()[-2000:])
    print("all checks hold" if ok else "a check failed", flush=True)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--step", type=int, default=60, help="finished trials each round asks for beyond the study's")
    parser.add_argument("--seed", type=int, default=0, help="seed of the kill delays and modes")
    parser.add_argument("--quick", action="store_true", help="8 kills")
    args = parser.parse_args(argv)
    return 0 if run(8 if args.quick else args.kills, args.workers, args.step, args.seed) else 1


if __name__ == "__main__":
    sys.exit(main())
