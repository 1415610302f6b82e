"""Fuzz run of issue 14: generated space files, NPZ and CSV files; prints the count of tracebacks.

    python benchmarks/fuzz.py                      # 10,000 cases: 5,000 space files, 5,000 data files
    python benchmarks/fuzz.py --cases 400 --cli 4 --predict-cases 100 --family-cases 20  # a quick look

Every space file goes through `nas validate` (in-process) and, when accepted, through sampling,
building and one training step of each sampled network; every data file through
`nas.data.load_data`; `--predict-cases` files shaped for three trained models are read as `nas predict` inputs, and
`--cli N` go through a one-trial `nas search`. An input must be accepted (and usable) or refused
with one `error:` line and exit 2. Anything else is counted as a traceback and listed by the
place in `nas/` it came from.

`family` given as a list or a mapping is counted apart: that value becomes a family choice on
another branch of issue 14 (the family-choice helper owns it), so here it shows how many escape.
The generators and the contract are the ones of tests/test_fuzz.py (tests/_fuzz.py).
"""
from __future__ import annotations

import argparse
import collections
import tempfile
import time
from pathlib import Path
from typing import Any

import _common  # noqa: F401  (puts the checkout first on sys.path, so `tests._fuzz` is this one)


def _run(name: str, cases: int, strategy: Any, check: Any, tally: dict[str, collections.Counter]) -> None:
    """Draw `cases` inputs from `strategy` and check each; escapes are recorded, never raised."""
    from hypothesis import HealthCheck, Phase, given, settings

    from tests._fuzz import Escape, escape_site

    outcomes, escapes = tally.setdefault(name, collections.Counter()), tally.setdefault(name + " escapes", collections.Counter())
    if cases <= 0:
        return
    started = time.perf_counter()

    @settings(max_examples=cases, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def run(case: Any) -> None:
        try:
            outcomes[check(case).split(",")[0]] += 1
        except Escape as exc:
            cause = exc.__cause__
            escapes[f"{escape_site(cause)}: {str(cause)[:90]}" if cause is not None else str(exc)[:140]] += 1
        except Exception as exc:  # noqa: BLE001 - this is what we count
            escapes[f"{escape_site(exc)}: {str(exc).splitlines()[0][:90] if str(exc) else ''}"] += 1

    run()
    print(f"  {name}: {cases} cases in {time.perf_counter() - started:.0f}s, outcomes {dict(outcomes)}, "
          f"tracebacks {sum(escapes.values())}", flush=True)
    for where, n in escapes.most_common():
        print(f"      {n:5d}  {where}", flush=True)


class Cases:
    """Each kind of case written to a file in one scratch folder and run through its checker."""

    def __init__(self) -> None:
        from tests._fuzz_data import reference_infos

        self.tmp = Path(tempfile.mkdtemp(prefix="nas-fuzz-"))
        self.counter = iter(range(10**9))
        self.infos = reference_infos(self.tmp)

    def write(self, data: bytes, suffix: str) -> Path:
        path = self.tmp / f"case{next(self.counter)}{suffix}"
        path.write_bytes(data)
        return path

    def space(self, text: bytes) -> str:
        from tests._fuzz import check_cli, check_space_file

        path = self.write(text, ".yaml")
        verdict = check_cli("validate", path, "--samples", "2")
        deep = check_space_file(path)  # sampling, building and a training step; must agree with validate
        if (verdict == "refused") != (deep == "refused"):
            raise AssertionError(f"validate says {verdict}, the library {deep}")
        return deep

    def data(self, case: tuple[bytes, str, dict[str, Any]]) -> str:
        from tests._fuzz_data import check_data
        from nas.data import DataSpec

        data, suffix, spec = case
        return check_data(DataSpec(path=str(self.write(data, suffix)), **spec))

    def search(self, case: tuple[bytes, str, dict[str, Any]]) -> str:
        from tests._fuzz import check_cli

        data, suffix, spec = case
        flags = [f"--{k.replace('_', '-')}={v}" for k, v in spec.items() if v is not None]
        db = f"sqlite:///{self.tmp}/cli{next(self.counter)}.db"
        return check_cli("search", "--data", self.write(data, suffix), *flags, "--trials", 1, "--epochs", 1,
                         "--threads", 1, "--storage", db, "--pruner", "none", "-q")

    def predict(self, case: tuple[bytes, str, int]) -> str:
        from tests._fuzz_data import check_inputs

        data, suffix, which = case
        return check_inputs(self.write(data, suffix), self.infos[which])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000, help="space files + data files (half each)")
    parser.add_argument("--cli", type=int, default=20, help="data files also run through `nas search` (slow)")
    parser.add_argument("--predict-cases", type=int, default=1000, help="files read as `nas predict` inputs")
    parser.add_argument("--part", choices=("all", "space", "data"), default="all", help="run only one half")
    parser.add_argument("--family-cases", type=int, default=300, help="spaces whose family is a list or mapping")
    args = parser.parse_args()

    import optuna
    import torch

    from tests._fuzz import family_container, space_text
    from tests._fuzz_data import data_case, predict_case

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    cases, tally = Cases(), {}
    started = time.perf_counter()
    halves = {"space": args.cases // 2, "data": args.cases - args.cases // 2}
    if args.part != "all":
        halves = {k: args.cases if k == args.part else 0 for k in halves}
    _run("space files", halves["space"], space_text(), cases.space, tally)
    _run("data files", halves["data"], data_case, cases.data, tally)
    _run("nas predict inputs", args.predict_cases, predict_case(), cases.predict, tally)
    _run("data files via nas search", args.cli, data_case, cases.search, tally)
    _run("family list/mapping", args.family_cases, space_text(family=family_container), cases.space, tally)
    seconds = time.perf_counter() - started

    print(f"fuzz run: {args.cases} cases (+{args.predict_cases} as predict inputs, +{args.cli} through nas search, "
          f"+{args.family_cases} family list/mapping) in {seconds:.0f}s")
    main_escapes = sum(sum(v.values()) for k, v in tally.items() if k.endswith(" escapes") and "family" not in k)
    print(f"tracebacks: {main_escapes} (family list/mapping, owned by the family-choice branch: "
          f"{sum(tally['family list/mapping escapes'].values())})")


if __name__ == "__main__":
    main()
