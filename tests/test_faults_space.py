"""A search space changed between runs of one study: widened ranges resume, anything else is refused."""
from __future__ import annotations

from pathlib import Path


def test_widened_ranges_resume_and_old_trials_stay(workdir: Path, tiny_space: Path, run_cli) -> None:
    import optuna

    from nas.store import open_storage

    first = run_cli("search", "--space", tiny_space, "--trials", 2, "--pruner", "none", "--sampler", "random", "-q")
    assert first.exit_code == 0, first.stderr
    wider = workdir / "wider.yaml"
    wider.write_text(tiny_space.read_text().replace("depth: {low: 1, high: 2}", "depth: {low: 1, high: 3}")
                     .replace("lr: {low: 1.0e-3, high: 1.0e-2, log: true}", "lr: {low: 1.0e-4, high: 1.0e-1, log: true}"))
    second = run_cli("search", "--space", wider, "--trials", 4, "--pruner", "none", "--sampler", "random", "-q")
    assert second.exit_code == 0, second.stderr
    assert "4 complete, 0 pruned, 0 failed" in second.stdout
    study = optuna.load_study(study_name="image-digits", storage=open_storage(None, create=False))
    assert study.user_attrs["nas"]["space"]["blocks"]["depth"] == {"low": 1, "high": 3}  # the space now on record
    assert all(t.state.name == "COMPLETE" for t in study.trials)


def test_changed_epochs_is_refused_with_what_changed(workdir: Path, tiny_space: Path, run_cli) -> None:
    assert run_cli("search", "--space", tiny_space, "--trials", 1, "--pruner", "none", "-q").exit_code == 0
    result = run_cli("search", "--space", tiny_space, "--trials", 2, "--epochs", 3, "-q")
    assert result.exit_code == 2
    assert "train.epochs: 1 -> 3" in result.stderr and "--study NEW" in result.stderr


def test_a_study_resumed_without_space_keeps_the_space_it_was_made_with(workdir: Path, run_cli) -> None:
    """A shipped space that changed in a newer nas (here: a study whose stored tabular space had
    `head.wide: true`, as a release that shipped it stored it) does not stop the study from
    resuming: without `--space` it searches its own space; naming the shipped space is a change of
    space, refused as before."""
    import optuna

    args = ("search", "--task", "tabular", "--dataset", "diabetes", "--epochs", 1, "--cv", 2, "-q")
    assert run_cli(*args, "--trials", 1).exit_code == 0
    study = optuna.load_study(study_name="tabular-diabetes", storage="sqlite:///studies/nas.db")
    record = study.user_attrs["nas"]
    assert record["space"]["head"] == {"wide": False}  # the shipped space today
    record["space"]["head"] = {"wide": True}  # as a release that shipped it stored it
    study.set_user_attr("nas", record)
    resumed = run_cli(*args, "--trials", 3, "--pruner", "none")
    assert resumed.exit_code == 0, resumed.stderr
    study = optuna.load_study(study_name="tabular-diabetes", storage="sqlite:///studies/nas.db")
    assert study.user_attrs["nas"]["space"]["head"] == {"wide": True}
    deep = [t for t in study.trials if t.params.get("layers.depth", 0) > 0]
    assert deep and all(t.user_attrs["arch"]["head"]["wide"] for t in deep)  # a regression target keeps it
    named = run_cli(*args, "--trials", 4, "--space", "tabular")
    assert named.exit_code == 2 and "head.wide: true -> false" in named.stderr, named.stderr
