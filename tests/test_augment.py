"""Batch augmentation ops (nas.augment): shapes kept, per-sample randomness, seeded, and what each op does."""
from __future__ import annotations

import pytest
import torch

from nas.augment import AUGMENTS, crop, flip, make_augment, shift, trivial_augment, window_crop

STRENGTH = {"crop": 2, "flip": True, "trivial_augment": True, "shift": 2, "window_crop": 0.25, "scaling": 0.2,
            "jitter": 0.2}


def _batch(name: str) -> torch.Tensor:
    torch.manual_seed(0)
    rank = AUGMENTS[name].rank
    return torch.randn((32, 2, 6, 6) if rank == 4 else (32, 10, 3))


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", sorted(AUGMENTS))
def test_each_op_keeps_the_shape_is_seeded_and_varies_per_sample(name: str) -> None:
    x = _batch(name)
    op = AUGMENTS[name].fn
    a, b = op(x, STRENGTH[name], _gen()), op(x, STRENGTH[name], _gen())
    assert a.shape == x.shape and a.dtype == x.dtype and torch.equal(a, b)
    assert not torch.equal(a, x)
    changed = [(a[i] != x[i]).any().item() for i in range(len(x))]
    assert 0 < sum(changed)  # some samples changed; which ones is per sample, not per batch
    assert torch.equal(x, _batch(name))


def test_crop_is_a_shifted_window_of_the_edge_padded_image() -> None:
    x = torch.arange(36.0).view(1, 1, 6, 6).repeat(64, 1, 1, 1)
    out = crop(x, 1, _gen())
    padded = torch.nn.functional.pad(x[:1], (1, 1, 1, 1), mode="replicate")[0, 0]
    windows = {tuple(padded[i : i + 6, j : j + 6].flatten().tolist()) for i in range(3) for j in range(3)}
    seen = {tuple(o.flatten().tolist()) for o in out}
    assert seen <= windows and len(seen) > 4  # every offset is a real window; many offsets are drawn


def test_flip_mirrors_about_half_of_the_images_exactly() -> None:
    x = torch.randn(200, 1, 4, 5)
    out = flip(x, True, _gen())
    mirrored = [torch.equal(o, i.flip(-1)) for o, i in zip(out, x)]
    kept = [torch.equal(o, i) for o, i in zip(out, x)]
    assert all(m or k for m, k in zip(mirrored, kept)) and 60 < sum(mirrored) < 140


def test_shift_moves_each_sequence_in_time() -> None:
    x = torch.arange(8.0).view(1, 8, 1).repeat(50, 1, 1)
    out = shift(x, 2, _gen())[..., 0]
    shifted = [torch.clamp(torch.arange(8.0) + o, 0, 7) for o in range(-2, 3)]  # edges repeated
    offsets = [next(o for o, s in enumerate(shifted) if torch.equal(row, s)) for row in out]  # StopIteration: no shift
    assert len(set(offsets)) == 5  # every offset in [-2, 2] is drawn


def test_window_crop_stretches_a_window_back_to_full_length() -> None:
    x = torch.arange(10.0).view(1, 10, 1).repeat(20, 1, 1)
    out = window_crop(x, 0.5, _gen())[..., 0]
    spans = out[:, -1] - out[:, 0]
    assert torch.allclose(spans, torch.full_like(spans, 4.0))  # 5 steps kept: values span 4
    assert (out[:, 1:] >= out[:, :-1]).all()  # still in time order
    assert torch.equal(window_crop(x, 0.0, _gen()), x)


def test_trivial_augment_keeps_values_finite_and_changes_most_images() -> None:
    x = torch.randn(64, 1, 8, 8)
    out = trivial_augment(x, True, _gen())
    assert torch.isfinite(out).all()
    assert sum(not torch.allclose(o, i) for o, i in zip(out, x)) > 32  # identity is 1 op of 8


def test_make_augment_is_none_when_everything_is_off_and_checks_the_rank() -> None:
    x = torch.randn(4, 6, 3)
    assert make_augment({name: 0 for name in AUGMENTS}, x) is None
    assert make_augment({"jitter": 0.1}, x) is not None
    with pytest.raises(Exception, match=r"train\.flip: augments images"):
        make_augment({"flip": True}, x)
