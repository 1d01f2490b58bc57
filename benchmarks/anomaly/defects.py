"""Synthetic defects painted onto real texture images.

Each defect function takes a clean RGB uint8 image, a random generator and a
donor image (another real picture, for foreign objects and blends) and
returns ``(defective_image, mask)``. :func:`apply_defect` then guarantees the
ground truth is exact: every pixel inside the mask differs from the clean
image and every pixel outside it is untouched.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage
from skimage import draw, morphology

DefectFn = Callable[[np.ndarray, np.random.Generator, np.ndarray], tuple[np.ndarray, np.ndarray]]
_MIN_CHANGE = 24  # grey levels a defect pixel moves at least, so masks stay visible


def _random_points(rng: np.random.Generator, shape: tuple[int, int], n: int, margin: float = 0.1) -> np.ndarray:
    h, w = shape
    lo = np.array([h * margin, w * margin])
    hi = np.array([h * (1 - margin), w * (1 - margin)])
    return lo + rng.random((n, 2)) * (hi - lo)


def _polyline_mask(points: np.ndarray, shape: tuple[int, int], width: int) -> np.ndarray:
    mask = np.zeros(shape, dtype=bool)
    for (r0, c0), (r1, c1) in zip(points[:-1], points[1:]):
        rr, cc = draw.line(int(r0), int(c0), int(r1), int(c1))
        keep = (rr >= 0) & (rr < shape[0]) & (cc >= 0) & (cc < shape[1])
        mask[rr[keep], cc[keep]] = True
    if width > 1:
        mask = ndimage.binary_dilation(mask, structure=morphology.disk(width // 2))
    return mask


def scratch(image: np.ndarray, rng: np.random.Generator, donor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A thin, gently curved bright or dark line."""
    h, w = image.shape[:2]
    start = _random_points(rng, (h, w), 1)[0]
    direction = rng.normal(size=2)
    direction /= np.linalg.norm(direction)
    length = rng.uniform(0.3, 0.6) * min(h, w)
    bend = rng.normal(size=2) * 0.15 * length
    t = np.linspace(0, 1, 8)[:, None]
    points = start + t * direction * length + (t * (1 - t)) * bend
    mask = _polyline_mask(points, (h, w), width=int(rng.integers(1, 4)))
    shift = rng.choice([-1, 1]) * rng.uniform(70, 120)
    return np.clip(image.astype(np.float64) + shift, 0, 255).astype(np.uint8), mask


def crack(image: np.ndarray, rng: np.random.Generator, donor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A jagged dark random walk with a branch or two."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), dtype=bool)
    start = _random_points(rng, (h, w), 1, margin=0.25)[0]
    for _ in range(int(rng.integers(1, 3))):
        heading = rng.uniform(0, 2 * np.pi)
        steps = np.cumsum(rng.normal(0, 0.5, 12)) + heading
        step_len = rng.uniform(0.02, 0.04) * min(h, w)
        offsets = np.cumsum(np.stack([np.sin(steps), np.cos(steps)], axis=1) * step_len, axis=0)
        points = np.vstack([start, start + offsets])
        mask |= _polyline_mask(points, (h, w), width=int(rng.integers(1, 3)))
    return (image.astype(np.float64) * 0.25).astype(np.uint8), mask


def _blob(rng: np.random.Generator, shape: tuple[int, int], scale: float) -> np.ndarray:
    """A smooth irregular blob: an ellipse roughened by low-frequency noise."""
    h, w = shape
    cy, cx = _random_points(rng, shape, 1, margin=0.2)[0]
    ry, rx = rng.uniform(0.5, 1.0, 2) * scale * min(h, w)
    yy, xx = np.mgrid[0:h, 0:w]
    ellipse = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2
    noise = ndimage.gaussian_filter(rng.normal(size=shape), sigma=max(1.0, scale * min(h, w) / 3))
    noise /= np.abs(noise).max() + 1e-12
    return ellipse + 0.6 * noise < 1.0


def stain(image: np.ndarray, rng: np.random.Generator, donor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A colour change: an irregular blob tinted towards a random colour."""
    mask = _blob(rng, image.shape[:2], scale=rng.uniform(0.08, 0.18))
    colour = rng.uniform(0, 255, 3)
    alpha = rng.uniform(0.45, 0.7)
    return ((1 - alpha) * image + alpha * colour).astype(np.uint8), mask


def missing_patch(image: np.ndarray, rng: np.random.Generator, donor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A hole: a random polygon replaced by a dark, almost flat background."""
    h, w = image.shape[:2]
    centre = _random_points(rng, (h, w), 1, margin=0.2)[0]
    angles = np.sort(rng.uniform(0, 2 * np.pi, int(rng.integers(4, 8))))
    radii = rng.uniform(0.05, 0.15, angles.size) * min(h, w)
    rr, cc = draw.polygon(centre[0] + radii * np.sin(angles), centre[1] + radii * np.cos(angles), (h, w))
    mask = np.zeros((h, w), dtype=bool)
    mask[rr, cc] = True
    hole = rng.normal(12, 4, image.shape).clip(0, 255)
    return hole.astype(np.uint8), mask


def foreign_object(image: np.ndarray, rng: np.random.Generator, donor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Part of another real picture pasted inside an irregular blob."""
    h, w = image.shape[:2]
    mask = _blob(rng, (h, w), scale=rng.uniform(0.06, 0.14))
    top = int(rng.integers(0, donor.shape[0] - h + 1))
    left = int(rng.integers(0, donor.shape[1] - w + 1))
    return donor[top : top + h, left : left + w].copy(), mask


def perlin_noise(shape: tuple[int, int], cells: int, rng: np.random.Generator) -> np.ndarray:
    """2-D Perlin gradient noise in roughly [-1, 1] with ``cells`` cells per side."""
    h, w = shape
    angles = rng.uniform(0, 2 * np.pi, (cells + 1, cells + 1))
    gradients = np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    y = np.linspace(0, cells, h, endpoint=False)
    x = np.linspace(0, cells, w, endpoint=False)
    yi, xi = np.floor(y).astype(int), np.floor(x).astype(int)
    yf, xf = (y - yi)[:, None], (x - xi)[None, :]

    def corner(dy: int, dx: int) -> np.ndarray:
        g = gradients[yi[:, None] + dy, xi[None, :] + dx]
        return g[..., 0] * (yf - dy) + g[..., 1] * (xf - dx)

    fade_y = 6 * yf**5 - 15 * yf**4 + 10 * yf**3
    fade_x = 6 * xf**5 - 15 * xf**4 + 10 * xf**3
    top = corner(0, 0) + fade_x * (corner(0, 1) - corner(0, 0))
    bottom = corner(1, 0) + fade_x * (corner(1, 1) - corner(1, 0))
    return np.sqrt(2) * (top + fade_y * (bottom - top))


def perlin_blend(image: np.ndarray, rng: np.random.Generator, donor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Like DRAEM's anomalies: thresholded Perlin noise blends in a donor texture."""
    h, w = image.shape[:2]
    noise = perlin_noise((h, w), cells=int(rng.integers(2, 6)), rng=rng)
    threshold = np.quantile(noise, rng.uniform(0.93, 0.97))
    mask = noise > threshold
    alpha = rng.uniform(0.6, 0.9)
    top = int(rng.integers(0, donor.shape[0] - h + 1))
    left = int(rng.integers(0, donor.shape[1] - w + 1))
    patch = donor[top : top + h, left : left + w].astype(np.float64)
    return ((1 - alpha) * image + alpha * patch).astype(np.uint8), mask


DEFECTS: dict[str, DefectFn] = {
    "scratch": scratch,
    "crack": crack,
    "stain": stain,
    "missing_patch": missing_patch,
    "foreign_object": foreign_object,
    "perlin_blend": perlin_blend,
}


def apply_defect(
    image: np.ndarray, kind: str, rng: np.random.Generator, donor: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Paint defect ``kind``; the mask is exactly the set of changed pixels."""
    for _ in range(20):
        painted, mask = DEFECTS[kind](image, rng, donor)
        if mask.sum() >= 4:
            break
    else:  # pragma: no cover - every defect kind produces a region long before this
        raise RuntimeError(f"could not paint a {kind} defect")
    result = np.where(mask[..., None], painted, image).astype(np.uint8)
    # Pixels the defect happened to leave equal are pushed away from their
    # clean value, towards the middle of the range so they cannot saturate.
    unchanged = mask & np.all(result == image, axis=-1)
    if unchanged.any():
        clean = image[unchanged].astype(np.int16)
        nudge = np.where(clean < 128, _MIN_CHANGE, -_MIN_CHANGE)
        result[unchanged] = (clean + nudge).astype(np.uint8)
    return result, mask
