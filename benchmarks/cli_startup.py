"""Start-up time of the read commands against a bare interpreter (`python -c pass`).

Usage: python benchmarks/cli_startup.py [--quick]   (run from the repository root)
Makes a small store (one tiny search), then times, interleaved, `python -c pass`, `nas --help`,
`nas leaderboard --json` and `nas studies --json` as fresh processes, and says whether each
imported torch (`python -X importtime`). Prints medians and the ratio to `python -c pass`.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import ROOT, interleaved, median, table  # noqa: E402
from tests.conftest import TINY_CNN  # noqa: E402

COMMANDS = {"python -c pass": ["-c", "pass"], "nas --help": ["-m", "nas", "--help"],
            "nas leaderboard --json": ["-m", "nas", "leaderboard", "--json"],
            "nas studies --json": ["-m", "nas", "studies", "--json"]}


def _run(args: list[str], cwd: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, check=True)


def imports_torch(args: list[str], cwd: str) -> bool:
    err = _run(["-X", "importtime", *args], cwd).stderr
    return any(line.rstrip().endswith(("| torch", "|   torch")) or line.split("|")[-1].strip() == "torch"
               for line in err.splitlines())


def main(quick: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "tiny.yaml").write_text(TINY_CNN)
        _run(["-m", "nas", "search", "--space", "tiny.yaml", "--trials", "2", "--threads", "1", "-q"], tmp)
        times = interleaved({k: (lambda a=a: _run(a, tmp)) for k, a in COMMANDS.items()}, repeats=3 if quick else 7)
        base = median(times["python -c pass"])
        rows = [[k, f"{median(v):.3f}", f"{median(v) / base:.1f}x",
                 "-" if k.startswith("python") else ("yes" if imports_torch(COMMANDS[k], tmp) else "no")]
                for k, v in times.items()]
    table("read commands' start-up (fresh processes, interleaved)",
          ["command", "median s", "vs python -c pass", "imports torch"], rows)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 7")
    main(parser.parse_args().quick)
