"""Four processes x 50 trials on one SQLite study: defaults vs nas's pragmas vs Optuna's journal file.

Usage: python benchmarks/sqlite_storage.py [WORKERS] [TRIALS_PER_WORKER]  (from the repository root)
Each worker asks, suggests two values, sleeps 5 ms (a stand-in for training) and tells, like the
search loop but without training, so the storage is the bottleneck. Prints per mode: trials stored,
lock errors, wall seconds and the ratio against the defaults.
"""
from __future__ import annotations

import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_storage(mode: str, folder: str):  # noqa: ANN201
    import optuna

    if mode == "defaults":  # rollback journal, 5 s busy timeout, synchronous=FULL
        return optuna.storages.RDBStorage(f"sqlite:///{folder}/defaults.db")
    if mode == "wal":
        from nas.store import open_storage

        return open_storage(f"sqlite:///{folder}/wal.db", create=True)
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    return JournalStorage(JournalFileBackend(f"{folder}/journal.log"))


def worker(args: tuple[str, str, int]) -> tuple[int, int, list[str]]:
    import optuna

    mode, folder, n = args
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    done, errors, messages, study = 0, 0, [], None
    for _ in range(n):
        try:
            if study is None:
                study = optuna.load_study(study_name="bench", storage=make_storage(mode, folder))
            trial = study.ask()
            x = trial.suggest_float("x", -1, 1) + trial.suggest_int("k", 1, 4)
            time.sleep(0.005)
            study.tell(trial, x)
            done += 1
        except Exception as exc:  # noqa: BLE001 - counting exactly these
            errors += 1
            messages.append(str(exc).splitlines()[0][:80])
    return done, errors, messages[:3]


def run(mode: str, workers: int, per_worker: int) -> tuple[int, int, float, list[str]]:
    import optuna

    with tempfile.TemporaryDirectory() as folder:
        optuna.create_study(study_name="bench", storage=make_storage(mode, folder))
        started = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            results = pool.map(worker, [(mode, folder, per_worker)] * workers)
        seconds = time.perf_counter() - started
        study = optuna.load_study(study_name="bench", storage=make_storage(mode, folder))
        stored = sum(t.state.name == "COMPLETE" for t in study.get_trials(deepcopy=False))
    return stored, sum(r[1] for r in results), seconds, [m for r in results for m in r[2]][:3]


def main() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.ERROR)
    workers = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    per_worker = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    base = None
    for mode in ("defaults", "wal", "journal"):
        stored, errors, seconds, messages = run(mode, workers, per_worker)
        base = base or seconds
        print(f"{mode:>8}: {stored}/{workers * per_worker} trials stored, {errors} errors, {seconds:.1f}s "
              f"(x{seconds / base:.2f} of defaults) {messages or ''}", flush=True)


if __name__ == "__main__":
    main()
