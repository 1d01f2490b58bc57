"""The official metrics agree with anomalib's own metric classes.

anomalib's AUROC goes through torchmetrics, which applies a sigmoid to
scores outside [0, 1]; comparisons therefore use scores in [0, 1] (the
sigmoid trap itself is covered in test_metrics.py). anomalib accumulates in
float32, hence the tolerance.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from anomalib.metrics import AUPRO, AUROC, F1Max

from benchmarks.anomaly import metrics as M

TOLERANCE = 1e-5


def anomalib_value(metric, **fields) -> float:
    metric.update(SimpleNamespace(**{k: torch.from_numpy(v) for k, v in fields.items()}))
    return float(metric.compute())


def random_case(rng: np.random.Generator, case: int) -> tuple[np.ndarray, np.ndarray]:
    n, h, w = int(rng.integers(2, 6)), int(rng.integers(8, 24)), int(rng.integers(8, 24))
    masks = np.zeros((n, h, w), dtype=bool)
    for i in range(1, n):  # image 0 stays normal
        for _ in range(int(rng.integers(1, 3))):
            top, left = int(rng.integers(0, h - 3)), int(rng.integers(0, w - 3))
            masks[i, top : top + int(rng.integers(1, 6)), left : left + int(rng.integers(1, 6))] = True
    maps = (rng.random((n, h, w)) * 0.7 + 0.3 * masks * rng.random()).astype(np.float32)
    if case % 3 == 1:
        maps = np.round(maps * 5) / 5  # large tie groups
    if case % 3 == 2:
        maps = (0.5 + (maps - 0.5) * 1e-4).astype(np.float32)  # nearly equal scores
    return maps.astype(np.float32), masks


@pytest.mark.parametrize("case", range(12))
def test_all_five_metrics_match_anomalib(case):
    rng = np.random.default_rng(100 + case)
    maps, masks = random_case(rng, case)
    scores = maps.reshape(len(maps), -1).max(axis=1)
    labels = masks.any(axis=(1, 2)).astype(np.int64)

    ours = {**M.image_metrics(scores, labels), **M.pixel_metrics(M.rank_pixel_scores(maps, masks))}
    theirs = {
        "image_auc": anomalib_value(AUROC(fields=["pred_score", "gt_label"]), pred_score=scores, gt_label=labels),
        "image_f1": anomalib_value(F1Max(fields=["pred_score", "gt_label"]), pred_score=scores, gt_label=labels),
        "pixel_auc": anomalib_value(
            AUROC(fields=["anomaly_map", "gt_mask"]), anomaly_map=maps, gt_mask=masks.astype(np.int64)
        ),
        "pixel_f1": anomalib_value(
            F1Max(fields=["anomaly_map", "gt_mask"]), anomaly_map=maps.ravel(), gt_mask=masks.ravel().astype(np.int64)
        ),
        "pixel_pro": anomalib_value(
            AUPRO(fields=["anomaly_map", "gt_mask"]), anomaly_map=maps, gt_mask=masks.astype(np.int64)
        ),
    }
    assert ours == pytest.approx(theirs, abs=TOLERANCE)
