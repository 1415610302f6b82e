"""The size nas reads images at (nas.data.images.common_size): at most 32 pixels a side unless
--image-size says otherwise, for image folders of one size or of mixed sizes and for an NPZ's
image arrays, each said in a data: line; `nas predict` reads new images at the model's size."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nas.data import load_data
from nas.errors import UsageError
from tests.test_data_files import spec, write_pngs


def test_image_folder_large_mixed_sizes_are_shrunk_to_at_most_32_pixels(tmp_path: Path) -> None:
    write_pngs(tmp_path / "a", 5, size=(200, 100))
    write_pngs(tmp_path / "b", 5, size=(160, 120))
    data = load_data(spec(tmp_path, "image"))
    assert data.input_shape == (1, 20, 32)  # median 110 x 180, shrunk by 32 / 180: the aspect ratio kept
    assert any("the median shrunk to at most 32" in n for n in data.notes)


def test_image_folder_of_one_large_size_is_shrunk_to_at_most_32_pixels(tmp_path: Path) -> None:
    """Photos that share one large size (224 x 224, 256 x 192) are read at most 32 pixels a side,
    the aspect ratio kept and said: at full size a CPU search spends its budget in one candidate.
    --image-size reads them at any size; 32 x 32 and smaller are read as they are."""
    write_pngs(tmp_path / "a", 5, size=(256, 192))
    write_pngs(tmp_path / "b", 5, size=(256, 192), seed=1)
    data = load_data(spec(tmp_path, "image"))
    assert data.input_shape == (1, 24, 32) and data.preprocessing["image_size"] == [24, 32]
    assert ("images are 256x192 pixels: all resized to 32x24, at most 32 a side, so that a CNN search takes minutes "
            "(--image-size N: N x N)") in data.notes
    assert load_data(spec(tmp_path, "image", image_size=128)).input_shape == (1, 128, 128)
    small = tmp_path / "small"
    write_pngs(small / "a", 5, size=(32, 32))
    write_pngs(small / "b", 5, size=(32, 32), seed=1)
    data = load_data(spec(small, "image"))
    assert data.input_shape == (1, 32, 32) and not data.notes


def test_npz_images_larger_than_32_pixels_are_shrunk_as_image_files_are(tmp_path: Path) -> None:
    """An NPZ of 64 x 64 images (digits enlarged) is read at 32 x 32, said, as the same images as
    PNG files are (bilinear with antialiasing, within a grey level of Pillow's); --image-size
    reads it at another size and is refused for sequences; `nas predict` on the 64 x 64 file reads
    it at the model's size."""
    from PIL import Image
    from sklearn.datasets import load_digits

    from nas.data.inputs import read_inputs
    from nas.data.npz_file import load_npz

    d = load_digits()
    big = np.kron(d.images[:120] * 15, np.ones((8, 8))).astype(np.uint8)  # 120 x 64 x 64
    np.savez(tmp_path / "big.npz", X=big, y=d.target[:120])
    data = load_data(spec(tmp_path / "big.npz", "image"))
    assert data.input_shape == (1, 32, 32) and data.preprocessing["image_size"] == [32, 32]
    assert ("images are 64x64 pixels: all resized to 32x32, at most 32 a side, so that a CNN search takes minutes "
            "(--image-size N: N x N)") in data.notes
    raw = load_npz(tmp_path / "big.npz", spec(tmp_path / "big.npz", "image"))
    pillow = np.stack([np.asarray(Image.fromarray(x).resize((32, 32), Image.Resampling.BILINEAR), np.float32) for x in big])
    assert np.abs(raw.X[:, 0] - pillow).max() <= 1.0
    assert load_data(spec(tmp_path / "big.npz", "image", image_size=16)).input_shape == (1, 16, 16)
    np.savez(tmp_path / "series.npz", X=np.random.default_rng(0).normal(size=(40, 50)), y=np.arange(40) % 2)
    with pytest.raises(UsageError, match=r"--image-size: .*series.npz holds sequence inputs, not images"):
        load_data(spec(tmp_path / "series.npz", "sequence", image_size=16))
    predicted = read_inputs(tmp_path / "big.npz", data.describe())
    assert predicted.X.shape == (120, 1, 32, 32)
