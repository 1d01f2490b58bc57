"""Independent reference implementations used only by the tests.

``mvtec_pro_curve`` and ``trapezoid`` follow the MVTec AD evaluation code
(pro_curve_util.compute_pro and generic_util.trapezoid): a full argsort of
every pixel and cumulative sums, nothing shared with the official scorer.
"""

from __future__ import annotations

from bisect import bisect

import numpy as np
from scipy.ndimage import label


def mvtec_pro_curve(anomaly_maps: np.ndarray, ground_truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    structure = np.ones((3, 3), dtype=int)
    fp_changes = np.zeros(anomaly_maps.shape, dtype=np.float64)
    pro_changes = np.zeros(anomaly_maps.shape, dtype=np.float64)
    num_ok_pixels = 0
    num_regions = 0
    for index, gt_map in enumerate(ground_truth):
        labeled, n_components = label(gt_map, structure)
        num_regions += n_components
        ok_mask = labeled == 0
        num_ok_pixels += int(ok_mask.sum())
        fp_changes[index][ok_mask] = 1
        for k in range(n_components):
            region = labeled == (k + 1)
            pro_changes[index][region] = 1.0 / region.sum()
    scores = anomaly_maps.ravel()
    order = np.argsort(scores, kind="stable")[::-1]
    scores_sorted = scores[order]
    fprs = np.cumsum(fp_changes.ravel()[order]) / num_ok_pixels
    pros = np.cumsum(pro_changes.ravel()[order]) / num_regions
    keep = np.append(np.diff(scores_sorted) != 0, True)
    fprs = np.clip(fprs[keep], None, 1.0)
    pros = np.clip(pros[keep], None, 1.0)
    return np.concatenate(([0.0], fprs, [1.0])), np.concatenate(([0.0], pros, [1.0]))


def trapezoid(x: np.ndarray, y: np.ndarray, x_max: float) -> float:
    correction = 0.0
    if x_max not in x:
        ins = bisect(list(x), x_max)
        y_interp = y[ins - 1] + (y[ins] - y[ins - 1]) * (x_max - x[ins - 1]) / (x[ins] - x[ins - 1])
        correction = 0.5 * (y_interp + y[ins - 1]) * (x_max - x[ins - 1])
    keep = x <= x_max
    x, y = x[keep], y[keep]
    return float(np.sum(0.5 * (y[1:] + y[:-1]) * (x[1:] - x[:-1])) + correction)


def mvtec_au_pro(anomaly_maps: np.ndarray, ground_truth: np.ndarray, limit: float = 0.3) -> float:
    fprs, pros = mvtec_pro_curve(anomaly_maps, ground_truth)
    return trapezoid(fprs, pros, limit) / limit
