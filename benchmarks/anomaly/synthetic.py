"""A synthetic MVTec-style data set built from real images scikit-image ships.

Only images bundled inside the scikit-image wheel are used (``brick``,
``grass``, ``gravel`` textures; ``coffee``, ``astronaut``, ``chelsea`` as
donors of foreign objects), so nothing is downloaded. Normal images are
random crops of a texture (random position, scale, flips, slight
brightness change), tinted per category; defective ones get one of the
defect kinds in :mod:`benchmarks.anomaly.defects`. Everything is a pure
function of ``(category, size, seed)``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from functools import cache

import numpy as np
from skimage import data as skdata
from skimage.transform import resize

from benchmarks.anomaly.dataset import Category, TestItem
from benchmarks.anomaly.defects import DEFECTS, apply_defect


@dataclass(frozen=True)
class SizeSpec:
    image_size: int
    n_train: int
    n_test_good: int
    n_test_defect: int


SIZES: dict[str, SizeSpec] = {
    "tiny": SizeSpec(image_size=64, n_train=8, n_test_good=6, n_test_defect=6),
    "small": SizeSpec(image_size=128, n_train=32, n_test_good=12, n_test_defect=18),
    # The default: 150 test images per part (public/private), 25 of each defect type.
    "standard": SizeSpec(image_size=128, n_train=48, n_test_good=120, n_test_defect=180),
    "medium": SizeSpec(image_size=256, n_train=100, n_test_good=30, n_test_defect=60),
    "mvtec": SizeSpec(image_size=512, n_train=240, n_test_good=40, n_test_defect=90),
}

# Category -> (texture loader name, RGB tint). The tint turns the grey
# textures into colour images so colour defects are meaningful.
TEXTURES: dict[str, tuple[str, tuple[float, float, float]]] = {
    "brick": ("brick", (1.0, 0.78, 0.65)),
    "gravel": ("gravel", (0.92, 0.9, 0.85)),
    "grass": ("grass", (0.75, 1.0, 0.7)),
}
DEFAULT_CATEGORIES = tuple(TEXTURES)
_DONORS = ("coffee", "astronaut", "chelsea")


@cache
def _texture(name: str) -> np.ndarray:
    image = getattr(skdata, name)()
    return image.astype(np.float64) / 255.0


@cache
def _donor(name: str, size: int) -> np.ndarray:
    image = getattr(skdata, name)()
    scale = size * 1.5 / min(image.shape[:2])
    shape = (max(size, int(image.shape[0] * scale)), max(size, int(image.shape[1] * scale)))
    return (resize(image, shape, anti_aliasing=True) * 255).astype(np.uint8)


def _rng(category: str, seed: int, stream: str) -> np.random.Generator:
    key = [seed, zlib.crc32(category.encode()), zlib.crc32(stream.encode())]
    return np.random.default_rng(np.random.SeedSequence(key))


def normal_image(category: str, size: int, rng: np.random.Generator) -> np.ndarray:
    """A random crop of the category's texture as an RGB uint8 image."""
    texture_name, tint = TEXTURES[category]
    texture = _texture(texture_name)
    crop = int(rng.uniform(0.45, 0.65) * min(texture.shape))
    top = int(rng.integers(0, texture.shape[0] - crop + 1))
    left = int(rng.integers(0, texture.shape[1] - crop + 1))
    patch = texture[top : top + crop, left : left + crop]
    if rng.random() < 0.5:
        patch = patch[:, ::-1]
    if category != "brick" and rng.random() < 0.5:  # bricks keep their orientation
        patch = patch[::-1, :]
    patch = resize(patch, (size, size), anti_aliasing=True) * rng.uniform(0.93, 1.07)
    rgb = patch[..., None] * np.asarray(tint)[None, None, :]
    return (np.clip(rgb, 0, 1) * 255).round().astype(np.uint8)


def generate(category: str, size: str | SizeSpec = "small", seed: int = 0) -> Category:
    """Build one category in memory: train images and labelled test items."""
    if category not in TEXTURES:
        raise ValueError(f"unknown synthetic category {category!r}; choose from {sorted(TEXTURES)}")
    spec = SIZES[size] if isinstance(size, str) else size
    train_rng = _rng(category, seed, "train")
    train = [normal_image(category, spec.image_size, train_rng) for _ in range(spec.n_train)]

    test_rng = _rng(category, seed, "test")
    items: list[TestItem] = []
    empty = np.zeros((spec.image_size, spec.image_size), dtype=bool)
    for index in range(spec.n_test_good):
        image = normal_image(category, spec.image_size, test_rng)
        items.append(TestItem.from_arrays(f"good/{index:03d}.png", "good", image, empty))
    kinds = sorted(DEFECTS)
    for index in range(spec.n_test_defect):
        kind = kinds[index % len(kinds)]
        clean = normal_image(category, spec.image_size, test_rng)
        donor = _donor(_DONORS[int(test_rng.integers(len(_DONORS)))], spec.image_size)
        image, mask = apply_defect(clean, kind, test_rng, donor)
        items.append(TestItem.from_arrays(f"{kind}/{index:03d}.png", kind, image, mask))
    return Category(name=category, train=[_const(img) for img in train], test=items)


def _const(image: np.ndarray):
    return lambda: image
