"""A space offering two families through the CLI: validate shows each family's size, the
search samples the family first and only its parameters, resumes, and exports the winner."""
from __future__ import annotations

import json
import re
from pathlib import Path

TINY_CHOICE = """\
family: [conv1d, rnn]
families:
  conv1d:
    blocks: {depth: [1, 2], channels: [4, 8], kernel: [3, 8], residual: [false, true]}
    train: {batch_size: 128, epochs: 1}
  rnn:
    rnn: {cell: [gru, lstm], hidden: 8}
    train: {batch_size: 128, epochs: 1}
"""


def _space(workdir: Path) -> Path:
    path = workdir / "choice.yaml"
    path.write_text(TINY_CHOICE)
    return path


def test_validate_reports_the_size_of_each_family(workdir: Path, run_cli) -> None:
    result = run_cli("validate", _space(workdir), "--samples", 4)
    assert result.exit_code == 0, result.stderr
    assert "valid space choosing among families conv1d, rnn" in result.stdout
    # conv1d: 2 x 2 x 2 = 8 per block, depth 1 or 2 -> 8 + 64; rnn: 2 cells; together 74
    assert "size: 74 discrete combinations" in result.stdout
    assert "conv1d: 72 discrete combinations" in result.stdout and "rnn: 2 discrete combinations" in result.stdout


def test_search_samples_the_family_first_resumes_and_exports(workdir: Path, run_cli) -> None:
    import optuna

    space = _space(workdir)
    first = run_cli("search", "--task", "sequence", "--space", space, "--trials", 4, "--threads", 1)
    assert first.exit_code == 0, first.stderr
    again = run_cli("search", "--task", "sequence", "--space", space, "--trials", 6, "--threads", 1)
    assert again.exit_code == 0, again.stderr
    assert "4/6 trials done" in again.stdout  # resumed: the first four are kept
    study = optuna.load_study(study_name="sequence-digits_seq", storage="sqlite:///studies/nas.db")
    trials = [t for t in study.trials if t.state.name == "COMPLETE" and "duplicate_of" not in t.user_attrs]
    assert len(trials) == 6 and {t.params["family"] for t in trials} == {"conv1d", "rnn"}
    # a new study tries each family once first, in the space's order; the sampler picks the rest
    assert [t.params["family"] for t in trials[:2]] == ["conv1d", "rnn"]
    assert [t.system_attrs.get("fixed_params") for t in trials[:3]] == [{"family": "conv1d"}, {"family": "rnn"}, None]
    assert len(trials[1].params) > 1  # rnn's own parameters were sampled, not only the family
    for t in trials:
        family = t.user_attrs["arch"]["family"]
        assert t.params["family"] == family
        assert all(name == "family" or name.startswith(f"{family}.") for name in t.params)
    rows = run_cli("leaderboard", "--json")
    assert rows.exit_code == 0, rows.stderr
    family = {t.number: t.params["family"] for t in trials}
    for row in json.loads(rows.stdout):  # the family reads from the summary: conv1d's names it, rnn's its cell
        pattern = r"conv1d \d+k\d" if family[row["trial"]] == "conv1d" else r"(gru|lstm)8-"
        assert re.match(pattern, row["summary"]), row
    out = workdir / "bundle"
    exported = run_cli("export", "--format", "all", "--out", out)
    assert exported.exit_code == 0, exported.stderr
    assert "reproduced from the bundle exactly" in exported.stdout
    spec = json.loads((out / "arch.json").read_text())  # a holdout study ships a pair (nas.search.refit)
    assert all(a["family"] in {"conv1d", "rnn"} for a in spec.get("ensemble", [spec]))


ROCKET_CHOICE = """\
family: [rocket, conv1d]
families:
  rocket:
    rocket: {features: [168, 336], max: [false, true]}
    train: {optimizer: lbfgs, weight_decay: {low: 1.0e-3, high: 1.0, log: true}, epochs: 2}
  conv1d:
    blocks: {depth: 1, channels: 4, kernel: [3, 5]}
    train: {batch_size: 128, epochs: 1}
"""


def test_rocket_in_a_family_choice_validates_searches_and_exports(workdir: Path, run_cli) -> None:
    import optuna

    space = workdir / "rocket.yaml"
    space.write_text(ROCKET_CHOICE)
    checked = run_cli("validate", space, "--samples", 4)
    assert checked.exit_code == 0, checked.stderr
    assert "rocket: 4 discrete combinations x 1 continuous dimension" in checked.stdout
    result = run_cli("search", "--task", "sequence", "--space", space, "--trials", 6, "--threads", 1, "--seed", 1)
    assert result.exit_code == 0, result.stderr
    study = optuna.load_study(study_name="sequence-digits_seq", storage="sqlite:///studies/nas.db")
    trials = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert {t.params["family"] for t in trials} == {"rocket", "conv1d"}
    for t in trials:  # only the sampled family's parameters, named under it
        family = t.params["family"]
        assert all(name == "family" or name.startswith(f"{family}.") for name in t.params)
        if family == "rocket":
            assert set(t.params) == {"family", "rocket.rocket.features", "rocket.rocket.max", "rocket.train.weight_decay"}
    rows = json.loads(run_cli("leaderboard", "--json").stdout)
    assert any(re.match(r"rocket (168|336)f-32d ppv", row["summary"]) for row in rows)
    out = workdir / "bundle"
    exported = run_cli("export", "--format", "all", "--out", out)
    assert exported.exit_code == 0, exported.stderr
    assert "reproduced from the bundle exactly" in exported.stdout
