"""The synthetic generator: deterministic, exact masks, real bundled images only."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks.anomaly import synthetic
from benchmarks.anomaly.defects import DEFECTS, apply_defect


def arrays(category):
    train = [load() for load in category.train]
    test = [(item.source, item.defect, item.load_image(), item.load_mask()) for item in category.test]
    return train, test


def test_same_seed_same_data_other_seed_other_data():
    first = arrays(synthetic.generate("brick", "tiny", seed=3))
    again = arrays(synthetic.generate("brick", "tiny", seed=3))
    other = arrays(synthetic.generate("brick", "tiny", seed=4))
    assert all(np.array_equal(a, b) for a, b in zip(first[0], again[0]))
    for (s1, d1, i1, m1), (s2, d2, i2, m2) in zip(first[1], again[1]):
        assert (s1, d1) == (s2, d2) and np.array_equal(i1, i2) and np.array_equal(m1, m2)
    assert not np.array_equal(first[0][0], other[0][0])


@pytest.mark.parametrize("kind", sorted(DEFECTS))
def test_mask_is_exactly_the_changed_pixels(kind):
    rng = np.random.default_rng(7)
    for category in synthetic.DEFAULT_CATEGORIES:
        clean = synthetic.normal_image(category, 64, rng)
        donor = synthetic._donor("coffee", 64)
        painted, mask = apply_defect(clean, kind, rng, donor)
        changed = np.any(painted != clean, axis=-1)
        assert mask.sum() >= 4
        assert np.array_equal(changed, mask)


def test_sizes_and_defect_kinds():
    category = synthetic.generate("grass", "tiny", seed=0)
    spec = synthetic.SIZES["tiny"]
    assert len(category.train) == spec.n_train
    assert len(category.test) == spec.n_test_good + spec.n_test_defect
    assert {item.defect for item in category.test} == {"good", *DEFECTS}
    image = category.test[0].load_image()
    assert image.shape == (spec.image_size, spec.image_size, 3) and image.dtype == np.uint8
    assert all(not item.load_mask().any() for item in category.test if item.defect == "good")
    custom = synthetic.generate("grass", synthetic.SizeSpec(image_size=40, n_train=2, n_test_good=1, n_test_defect=2))
    assert custom.test[-1].load_image().shape == (40, 40, 3)


def test_only_images_bundled_with_scikit_image_are_used():
    # Files inside the installed skimage/data package folder ship in the
    # wheel; anything else would be fetched with pooch (a download).
    import skimage.data

    package_dir = Path(skimage.data.__file__).parent
    used = {texture for texture, _ in synthetic.TEXTURES.values()} | set(synthetic._DONORS)
    assert all((package_dir / f"{name}.png").is_file() for name in used)
