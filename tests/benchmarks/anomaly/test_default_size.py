"""The default synthetic size holds enough hidden data to separate methods (issue 31): at least 150 test
images in each part, public and private, with the defect types balanced in both."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from benchmarks.anomaly import benchmarks, synthetic
from benchmarks.anomaly.dataset import split_parts
from benchmarks.anomaly.defects import DEFECTS


def test_registered_categories_default_to_the_standard_size():
    found = benchmarks(seed=1)
    assert {b._source["size"] for b in found} == {"standard"}


def test_each_part_has_150_images_and_every_defect_type_equally():
    spec = synthetic.SIZES["standard"]
    # Same counts at a small resolution: what is counted, not the pixels, is under test here.
    category = synthetic.generate("grass", replace(spec, image_size=32, n_train=1), seed=5)
    parts = split_parts(category.test, 0.5, np.random.default_rng(11))
    for part in ("public", "private"):
        chosen = [item for item, p in zip(category.test, parts) if p == part]
        assert len(chosen) >= 150
        defects = Counter(item.defect for item in chosen if item.defect != "good")
        assert set(defects) == set(DEFECTS)
        assert max(defects.values()) - min(defects.values()) <= 1, defects
        assert sum(1 for item in chosen if item.defect == "good") >= 50
