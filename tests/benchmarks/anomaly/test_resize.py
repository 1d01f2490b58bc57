"""Map resizing matches PyTorch's bilinear interpolation (align_corners=False)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from benchmarks.anomaly.resize import resize_bilinear


@pytest.mark.parametrize(
    "source, target", [((8, 8), (32, 32)), ((5, 7), (16, 9)), ((64, 48), (20, 30)), ((1, 3), (4, 4))]
)
def test_matches_torch_bilinear(source, target):
    image = np.random.default_rng(0).random(source).astype(np.float32)
    expected = F.interpolate(torch.from_numpy(image)[None, None], size=target, mode="bilinear", align_corners=False)
    assert resize_bilinear(image, target) == pytest.approx(expected[0, 0].numpy(), abs=1e-5)


def test_same_size_is_untouched_and_constants_stay_constant():
    image = np.random.default_rng(1).random((6, 6)).astype(np.float32)
    assert np.array_equal(resize_bilinear(image, (6, 6)), image)
    constant = np.full((7, 5), 0.1, dtype=np.float32)
    assert np.all(resize_bilinear(constant, (30, 17)) == np.float32(0.1))
