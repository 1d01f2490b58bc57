"""Bootstrap resampling of the primary metric against exact weighted AUROC."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from benchmarks.anomaly import resample


def test_image_auc_resamples_equal_exact_weighted_auroc():
    rng = np.random.default_rng(0)
    n = 40
    labels = rng.integers(0, 2, n)
    scores = rng.integers(0, 6, n).astype(float)  # many ties
    counts = rng.multinomial(n, np.full(n, 1 / n), size=200)
    got = resample.resample_image_auc(resample.image_items(scores, labels), counts)
    for b in range(counts.shape[0]):
        keep = counts[b] > 0
        if len(set(labels[keep])) < 2:
            assert np.isnan(got[b])
            continue
        expected = roc_auc_score(labels[keep], scores[keep], sample_weight=counts[b][keep])
        assert got[b] == pytest.approx(expected, abs=1e-12)


def test_pixel_auc_resamples_stay_within_the_error_bound():
    rng = np.random.default_rng(1)
    n = 12
    masks = rng.random((n, 16, 16)) < 0.15
    maps = (rng.random((n, 16, 16)) + 0.6 * masks).astype(np.float32)
    maps[:3] = np.round(maps[:3] * 3)  # exact ties too
    items = resample.pixel_items(list(maps), list(masks), n_bins=64)
    counts = rng.multinomial(n, np.full(n, 1 / n), size=100)
    got = resample.resample_pixel_auc(items, counts)
    bounds = resample.binned_auc_error_bound(*resample.resampled_pixel_histograms(items, counts))
    for b in range(counts.shape[0]):
        weights = np.repeat(counts[b], 16 * 16).astype(float)
        exact = roc_auc_score(masks.ravel(), maps.ravel(), sample_weight=weights)
        assert abs(got[b] - exact) <= bounds[b] + 1e-12
    assert np.median(bounds) < 0.02  # ~0.5 / n_bins


def test_identity_resample_equals_the_plain_metric():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 30)
    scores = rng.normal(size=30)
    got = resample.resample_image_auc(resample.image_items(scores, labels), np.ones((1, 30)))
    assert got[0] == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
