"""Property tests (issue 14): generated space files, NPZ and CSV files are either accepted and
usable, or refused with one `error:` line and exit 2; never a traceback.

The generators and the contract live in `_fuzz` / `_fuzz_data` (benchmarks/fuzz.py runs the same
ones 10,000 times). Here a few hundred cases, derandomised so that CI is repeatable.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
from tests._fuzz import check_cli, check_space, check_space_file, family_container, space_doc, space_text
from tests._fuzz_data import check_data, check_inputs, csv_case, data_case, npz_case, predict_case, reference_infos
from hypothesis import HealthCheck, given, settings

from nas.data import DataSpec


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Any:
    """Tiny networks: one CPU thread is several times faster than two on a shared machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _write(folder: str, data: bytes, suffix: str) -> Path:
    path = Path(folder) / f"case{suffix}"
    path.write_bytes(data)
    return path


@fuzz(60)
@given(space_text())
def test_space_files_through_nas_validate(text: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = _write(tmp, text, ".yaml")
        verdict = check_cli("validate", path, "--samples", "2")
        deep = check_space_file(path)  # sampled networks build and take a training step
    assert (verdict == "refused") == (deep == "refused"), (verdict, deep)


@fuzz(120)
@given(space_doc())
def test_space_mappings_are_refused_or_every_sample_trains(doc: Any) -> None:
    check_space(doc, samples=3)


@fuzz(30)
@given(space_doc(clean=True))
def test_clean_spaces_are_accepted(doc: Any) -> None:
    """The checks refuse only what is wrong: a space written within the schema always passes."""
    assert check_space(doc) != "refused", doc


@fuzz(15)
@given(space_doc(family=family_container))
def test_family_list_or_mapping_is_refused_or_sampled(doc: Any) -> None:
    check_space(doc)


@fuzz(150)
@given(data_case)
def test_data_files_load_or_are_refused(case: tuple[bytes, str, dict[str, Any]]) -> None:
    data, suffix, args = case
    with tempfile.TemporaryDirectory() as tmp:
        check_data(DataSpec(path=str(_write(tmp, data, suffix)), **args))


@fuzz(60)
@given(npz_case(clean=True) | csv_case(clean=True))
def test_clean_data_files_are_accepted(case: tuple[bytes, str, dict[str, Any]]) -> None:
    data, suffix, args = case
    with tempfile.TemporaryDirectory() as tmp:
        assert check_data(DataSpec(path=str(_write(tmp, data, suffix)), **args)).startswith("accepted")


@pytest.fixture(scope="module")
def infos(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    return reference_infos(tmp_path_factory.mktemp("models"))


@fuzz(100)
@given(predict_case())
def test_prediction_inputs_are_read_or_refused(infos: list[dict[str, Any]], case: tuple[bytes, str, int]) -> None:
    """New inputs for `nas predict` of a table, a series and an image model, some damaged."""
    data, suffix, which = case
    with tempfile.TemporaryDirectory() as tmp:
        check_inputs(_write(tmp, data, suffix), infos[which])


@fuzz(3)
@given(npz_case() | csv_case())
def test_data_files_through_nas_search(case: tuple[bytes, str, dict[str, Any]]) -> None:
    """A one-trial search on the file: it runs, or refuses it with one line and creates no store."""
    data, suffix, args = case
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in args.items() if v is not None]
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "nas.db"
        verdict = check_cli("search", "--data", _write(tmp, data, suffix), *flags, "--trials", 1, "--epochs", 1,
                            "--threads", 1, "--storage", f"sqlite:///{db}", "--pruner", "none", "-q")
        assert verdict == "accepted" or not db.exists()
