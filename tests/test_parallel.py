"""Several workers on one study: exact trial counts, no lock errors, no trial run twice.

SQLite: `nas search --workers 4`. PostgreSQL: three separate `nas search` processes (as on three
machines) against $NAS_TEST_POSTGRES_URL; skipped where that server is not set up (.ci/run does).
"""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.test_faults import nas_cmd, nas_env

PG_ENV = "NAS_TEST_POSTGRES_URL"


def check_study(storage: str, name: str, target: int) -> list:
    """Exactly `target` complete trials, none failed or left running, no configuration twice."""
    import optuna
    from optuna.trial import TrialState

    from nas.store import open_storage

    study = optuna.load_study(study_name=name, storage=open_storage(storage, create=False))
    trials = study.get_trials(deepcopy=False)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * target, [(t.number, t.state.name, t.user_attrs.get("fail_reason")) for t in trials]
    assert sorted(t.number for t in trials) == list(range(target))
    configs = [tuple(sorted(t.params.items())) for t in trials]
    assert len(set(configs)) == target  # workers do not propose (or run) the same configuration
    return trials


def test_four_workers_on_sqlite(workdir: Path, tiny_space: Path, run_cli) -> None:
    target = 8
    proc = subprocess.run(nas_cmd("search", "--space", tiny_space, "--trials", target, "--workers", 4,
                                  "--pruner", "none", "--sampler", "random"),
                          cwd=workdir, env=nas_env(), capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout + proc.stderr
    assert "locked" not in out and "Traceback" not in out
    assert f"{target} complete, 0 pruned, 0 failed" in proc.stdout
    trials = check_study(f"sqlite:///{workdir}/studies/nas.db", "image-digits", target)
    assert len({t.user_attrs["worker"] for t in trials}) >= 2  # the work really was shared
    assert {t.user_attrs["threads"] for t in trials} == {max(1, (os.cpu_count() or 1) // 4)}
    # reproducible with workers too: `nas rerun` gets the same validation curve, bitwise on the CPU
    import torch

    threads = torch.get_num_threads()
    try:
        for number in (0, target - 1):
            report = run_cli("rerun", "--trial", number, "--json")
            assert report.exit_code == 0, report.stderr
            assert report.json()["identical"] and report.json()["max_difference"] == 0.0
    finally:
        torch.set_num_threads(threads)


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"no PostgreSQL server: set {PG_ENV} (.ci/run starts one)")
def test_three_workers_on_postgresql(workdir: Path, tiny_space: Path) -> None:
    from sqlalchemy.engine import make_url

    url, target, name = os.environ[PG_ENV], 6, f"pg-{uuid.uuid4().hex[:8]}"
    args = nas_cmd("search", "--space", tiny_space, "--trials", target, "--pruner", "none", "--sampler", "random",
                   "--storage", url, "--study", name, "--artifacts", workdir / "shared-artifacts")
    procs = [subprocess.Popen(args, cwd=workdir, env={**nas_env(), "NAS_WORKER_INDEX": str(i)},  # as a Slurm array
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(3)]
    outputs = [p.communicate(timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
        assert "Traceback" not in err
        password = make_url(url).password
        if password:
            assert password not in out + err  # masked everywhere
    trials = check_study(url, name, target)
    assert len({t.user_attrs["worker"] for t in trials}) >= 2
    from nas.store import artifact_store
    from nas.store.checkpoints import load_checkpoint

    store = artifact_store(url, str(workdir / "shared-artifacts"))
    assert all(load_checkpoint(t, store) for t in trials)


@pytest.mark.skipif(not os.environ.get(PG_ENV), reason=f"no PostgreSQL server: set {PG_ENV} (.ci/run starts one)")
def test_workers_starting_together_on_a_fresh_postgresql_database_all_open_it() -> None:
    """Six processes open an empty database at once (as a job array does): none loses the race
    to create Optuna's tables ('relation "studies" already exists' failed a CI run)."""
    import sys

    from sqlalchemy import create_engine, inspect, text

    url = os.environ[PG_ENV]
    opener = ("import sys\nfrom nas.errors import NasError\nfrom nas.store import open_storage\n"
              "try:\n    open_storage(sys.argv[1])\nexcept NasError as e:\n    sys.exit(str(e))")
    admin = create_engine(url)
    try:
        for _ in range(3):  # the race is lost in about one start in ten without the lock
            schema = f"fresh_{uuid.uuid4().hex[:8]}"  # an empty database of our own: its search path
            with admin.begin() as connection:
                connection.execute(text(f"CREATE SCHEMA {schema}"))
            try:
                procs = [subprocess.Popen([sys.executable, "-c", opener, f"{url}?options=-csearch_path%3D{schema}"],
                                          env=nas_env(), stderr=subprocess.PIPE, text=True) for _ in range(6)]
                errors = [p.communicate(timeout=120)[1] for p in procs]
                assert [p.returncode for p in procs] == [0] * 6, errors
                assert {"studies", "trials", "version_info", "alembic_version"} <= set(inspect(admin).get_table_names(schema=schema))
            finally:
                with admin.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    finally:
        admin.dispose()
