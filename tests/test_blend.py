"""Ensemble selection (nas.search.blend) and the weighted ensemble a blend ships as."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from nas.models.ensemble import Ensemble
from nas.search import blend


def _logits(probabilities: list[list[float]]) -> torch.Tensor:
    return torch.tensor(probabilities).log()


def test_rank_1_alone_when_no_other_candidate_lowers_the_loss() -> None:
    y = torch.tensor([0, 1, 0, 1])
    sure = _logits([[0.99, 0.01], [0.01, 0.99], [0.99, 0.01], [0.01, 0.99]])
    wrong = _logits([[0.2, 0.8], [0.8, 0.2], [0.2, 0.8], [0.8, 0.2]])
    assert blend.select([sure, wrong], y, "classification") == [1, 0]
    assert blend.weights([1, 0]) == [1.0]


def test_complementary_candidates_are_blended_and_weights_sum_to_one() -> None:
    y = torch.tensor([0, 0, 1, 1])
    # each model is confidently wrong on a different row: their average is right on every row
    a = _logits([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.1, 0.9]])
    b = _logits([[0.1, 0.9], [0.9, 0.1], [0.1, 0.9], [0.1, 0.9]])
    counts = blend.select([a, b], y, "classification")
    assert counts[0] >= 1 and counts[1] >= 1
    assert sum(blend.weights(counts)) == pytest.approx(1.0)


def test_a_regression_blend_averages_independent_errors() -> None:
    torch.manual_seed(0)
    y = torch.randn(200)
    noisy = [(y + 0.5 * torch.randn(200)).unsqueeze(1) for _ in range(3)]
    counts = blend.select(noisy, y, "regression")
    assert sum(c > 0 for c in counts) >= 2  # averaging unbiased, independent errors lowers the squared error
    biased = (y + 3.0).unsqueeze(1)
    assert blend.select([noisy[0], biased], y, "regression") == [1, 0]


class _Constant(nn.Module):
    def __init__(self, out: list[float]) -> None:
        super().__init__()
        self.out = torch.tensor(out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out.expand(len(x), -1)


def test_weighted_ensemble_averages_probabilities_and_values_by_weight() -> None:
    x = torch.zeros(3, 2)
    a, b = [2.0, 0.0, -1.0], [0.0, 1.0, 3.0]
    probs = Ensemble([_Constant(a), _Constant(b)], "classification", [3.0, 1.0])(x).softmax(-1)[0]
    expected = 0.75 * torch.tensor(a).softmax(-1) + 0.25 * torch.tensor(b).softmax(-1)
    assert torch.allclose(probs, expected, atol=1e-6)
    values = Ensemble([_Constant([1.0]), _Constant([5.0])], "regression", [0.25, 0.75])(x)
    assert torch.allclose(values, torch.full((3, 1), 4.0))
    equal = Ensemble([_Constant(a), _Constant(b)], "classification")(x).softmax(-1)[0]  # no weights: equal
    assert torch.allclose(equal, (torch.tensor(a).softmax(-1) + torch.tensor(b).softmax(-1)) / 2, atol=1e-6)
    assert "weights" not in Ensemble([nn.Linear(2, 1)], "regression", [1.0]).state_dict()  # checkpoints stay the members'


def test_an_ensemble_refuses_weights_that_do_not_fit_its_members() -> None:
    with pytest.raises(ValueError, match="2 members needs as many positive weights"):
        Ensemble([nn.Linear(2, 1), nn.Linear(2, 1)], "regression", [1.0])
    with pytest.raises(ValueError, match="positive"):
        Ensemble([nn.Linear(2, 1), nn.Linear(2, 1)], "regression", [1.0, 0.0])


def test_a_holdout_blend_of_pairs_is_exported_with_its_weights(workdir, run_cli) -> None:
    # digits holds out (more than 1,000 rows): the blend averages the chosen trials' final models,
    # each its refit and its search-time model
    result = run_cli("search", "--task", "image", "--trials", "4", "--epochs", "2", "--blend", "--quiet")
    assert result.exit_code == 0, result.stderr
    best = run_cli("leaderboard", "--json").json()[0]
    assert best["refit_kind"] == "pair" and len(best["refit_blend"]) >= 2
    assert "each its refit on train + validation averaged with its search-time model" in result.stdout
    trials = ", ".join(f"{b['trial']} ({b['weight']:.2f})" for b in best["refit_blend"])
    assert f"trial {best['trial']}'s final model blends trials {trials}" in run_cli("leaderboard").stdout
    exported = run_cli("export", "--format", "onnx", "--out", "bundle")
    assert exported.exit_code == 0, exported.stderr
    assert "the blend of trials " in exported.stdout and "onnx: max |diff|" in exported.stdout
    manifest = json.loads((workdir / "bundle" / "manifest.json").read_text())
    assert manifest["metrics"]["test"] == best["refit_test"] and manifest["checks"]["test_reproduced"]["exact"] is True
    spec = json.loads((workdir / "bundle" / "arch.json").read_text())
    assert len(spec["ensemble"]) == 2 * len(best["refit_blend"])  # a pair per blended trial
    halves = [b["weight"] / 2 for b in best["refit_blend"] for _ in range(2)]
    assert spec["weights"] == pytest.approx(halves, abs=1e-5)
