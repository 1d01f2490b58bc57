"""Resizing anomaly maps to the resolution of the ground-truth mask.

The scorer evaluates at the mask's own resolution. A map of any other size is
resized with bilinear interpolation on half-pixel centres, without
anti-aliasing: the same convention as
``torch.nn.functional.interpolate(mode="bilinear", align_corners=False)``
and OpenCV's ``INTER_LINEAR``. Written as two small interpolation matrices
(rows, then columns) so it needs nothing but numpy.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


@lru_cache(maxsize=32)
def _interpolation_matrix(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) matrix whose rows hold the two bilinear weights."""
    source = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    source = np.clip(source, 0.0, None)
    left = np.minimum(np.floor(source).astype(np.int64), n_in - 1)
    right = np.minimum(left + 1, n_in - 1)
    frac = source - left
    matrix = np.zeros((n_out, n_in), dtype=np.float64)
    rows = np.arange(n_out)
    np.add.at(matrix, (rows, left), 1.0 - frac)
    np.add.at(matrix, (rows, right), frac)
    matrix.setflags(write=False)
    return matrix


def resize_bilinear(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Resize a 2-D float map to ``shape`` (height, width); returns float32."""
    image = np.asarray(image)
    if image.shape == tuple(shape):
        return image.astype(np.float32, copy=False)
    rows = _interpolation_matrix(image.shape[0], int(shape[0]))
    cols = _interpolation_matrix(image.shape[1], int(shape[1]))
    # float64 arithmetic so that a constant region stays exactly constant.
    return (rows @ image.astype(np.float64) @ cols.T).astype(np.float32)
