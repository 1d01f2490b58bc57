"""The official anomaly-detection metrics, vectorised with numpy.

Every metric here is computed from one representation: the scores of the
*negative* items (normal images, or normal pixels) sorted ascending, and the
scores of the *positive* items (defective images, or defective pixels). For
each positive, two binary searches into the sorted negatives count the
negatives strictly below it and the negatives tied with it. That is all
AUROC, F1-max and AU-PRO need, so:

* ties are handled by value, never by position: shuffling the files cannot
  change a metric;
* scores are used as they are (no sigmoid, no min-max normalisation): only
  their order matters;
* only one big array (the negative pixel scores, float32) is ever sorted,
  in place, which keeps memory at ~4 bytes per pixel.

Definitions follow scikit-learn (``roc_auc_score``), anomalib (``F1Max``) and
the MVTec AD evaluation code (AU-PRO to a false-positive rate of 0.3,
divided by 0.3, regions = 8-connected components of each mask, pooled over
the whole set, normal pixels of every image on the false-positive side).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from benchmarks.anomaly.resize import resize_bilinear

PRO_FPR_LIMIT = 0.3
_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)


@dataclass
class RankedScores:
    """Negative scores sorted ascending, positive scores (any order) and,
    for AU-PRO, one weight per positive pixel: 1 / (regions * region size)."""

    negatives: np.ndarray
    positives: np.ndarray
    positive_weights: np.ndarray | None = None
    n_regions: int = 0

    def neg_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """For each positive: negatives strictly below it, negatives <= it."""
        below = np.searchsorted(self.negatives, self.positives, side="left")
        upto = np.searchsorted(self.negatives, self.positives, side="right")
        return below, upto


def rank_image_scores(scores: np.ndarray, labels: np.ndarray) -> RankedScores:
    scores = np.asarray(scores, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    return RankedScores(negatives=np.sort(scores[~labels]), positives=scores[labels])


def auroc(ranked: RankedScores) -> float:
    """Area under the ROC curve (Mann-Whitney U with ties counted as 1/2).

    Identical to the trapezoidal area under the exact ROC curve, which is
    what scikit-learn's ``roc_auc_score`` computes. NaN if a class is empty.
    """
    n_neg, n_pos = ranked.negatives.size, ranked.positives.size
    if n_neg == 0 or n_pos == 0:
        return math.nan
    below, upto = ranked.neg_counts()
    wins = below.sum(dtype=np.float64) + 0.5 * (upto - below).sum(dtype=np.float64)
    return float(wins / (float(n_neg) * float(n_pos)))


def f1_max(ranked: RankedScores) -> float:
    """Best F1 over all thresholds ``score >= t`` (anomalib's ``F1Max``).

    The best threshold is always one of the positive scores: between two
    positive values, raising the threshold only removes false positives.
    NaN without positives.
    """
    n_pos = ranked.positives.size
    if n_pos == 0:
        return math.nan
    positives = np.sort(ranked.positives)
    thresholds = np.unique(positives)
    tp = n_pos - np.searchsorted(positives, thresholds, side="left")
    fp = ranked.negatives.size - np.searchsorted(ranked.negatives, thresholds, side="left")
    f1 = 2.0 * tp / (tp + fp + n_pos)
    return float(f1.max())


def au_pro(ranked: RankedScores, fpr_limit: float = PRO_FPR_LIMIT) -> float:
    """Normalised area under the per-region-overlap curve up to ``fpr_limit``.

    The PRO curve of the MVTec AD evaluation code has one point per distinct
    threshold (FPR, mean region overlap) joined by straight lines. Its area
    equals, per negative pixel, 1/N times the overlap of the positives above
    it plus half the positives tied with it; swapping the sums gives a sum
    over positive pixels, computed from the same two binary searches. The
    negative group that straddles ``fpr_limit`` is integrated exactly along
    its straight segment. NaN without negatives or regions.
    """
    neg, pos, weights = ranked.negatives, ranked.positives, ranked.positive_weights
    n_neg = neg.size
    if n_neg == 0 or pos.size == 0 or weights is None:
        return math.nan
    limit_rank = fpr_limit * n_neg  # FPR limit in units of negative pixels
    # The negative at descending rank floor(limit_rank) and its tie group.
    boundary = neg[n_neg - 1 - min(int(math.floor(limit_rank)), n_neg - 1)]
    lo = int(np.searchsorted(neg, boundary, side="left"))
    hi = int(np.searchsorted(neg, boundary, side="right"))
    above_group = n_neg - hi  # negatives scored strictly above the boundary
    group_size = hi - lo

    below, upto = ranked.neg_counts()
    over = pos > boundary
    full = np.sum(weights[over] * ((below[over] - hi) + 0.5 * (upto[over] - below[over])))
    full /= n_neg

    pro_before = float(weights[over].sum())
    pro_after = float(weights[pos >= boundary].sum())
    delta = fpr_limit - above_group / n_neg
    slope = (pro_after - pro_before) / (group_size / n_neg)
    partial = delta * pro_before + 0.5 * slope * delta * delta
    return float((full + partial) / fpr_limit)


def region_weights(mask: np.ndarray) -> tuple[np.ndarray, int]:
    """Per defective pixel (in ``mask[mask]`` order): 1 / its region's size.

    Regions are the 8-connected components of the mask, like the MVTec AD
    evaluation code (``scipy.ndimage.label`` with a 3x3 structure).
    """
    labels, n_regions = ndimage.label(mask, structure=_EIGHT_CONNECTED)
    if n_regions == 0:
        return np.empty(0, dtype=np.float64), 0
    sizes = np.bincount(labels.ravel())
    pixel_labels = labels[mask]
    return 1.0 / sizes[pixel_labels].astype(np.float64), int(n_regions)


def rank_pixel_scores(maps: Sequence[np.ndarray], masks: Sequence[np.ndarray]) -> RankedScores:
    """Pool every pixel of every image; maps are resized to their mask.

    ``maps[i]`` may have any resolution: it is resized to ``masks[i].shape``
    with :func:`resize_bilinear`. Scores are compared in float32.
    """
    n_pos = sum(int(np.count_nonzero(m)) for m in masks)
    n_all = sum(int(m.size) for m in masks)
    negatives = np.empty(n_all - n_pos, dtype=np.float32)
    positives = np.empty(n_pos, dtype=np.float32)
    weights = np.empty(n_pos, dtype=np.float64)
    n_regions = 0
    neg_at = pos_at = 0
    for anomaly_map, mask in zip(maps, masks, strict=True):
        mask = np.asarray(mask, dtype=bool)
        full = resize_bilinear(anomaly_map, mask.shape)
        defect = full[mask]
        normal = full[~mask]
        negatives[neg_at : neg_at + normal.size] = normal
        positives[pos_at : pos_at + defect.size] = defect
        image_weights, image_regions = region_weights(mask)
        weights[pos_at : pos_at + defect.size] = image_weights
        neg_at += normal.size
        pos_at += defect.size
        n_regions += image_regions
    negatives.sort()
    # Sorting positives too (by score, then weight) fixes the order of every
    # floating-point sum, so results are bit-identical in any file order.
    order = np.lexsort((weights, positives))
    positives, weights = positives[order], weights[order]
    if n_regions:
        weights /= n_regions
    return RankedScores(negatives, positives, weights, n_regions)


def image_metrics(scores: np.ndarray, labels: np.ndarray) -> dict[str, float]:
    ranked = rank_image_scores(scores, labels)
    return {"image_auc": auroc(ranked), "image_f1": f1_max(ranked)}


def pixel_metrics(ranked: RankedScores) -> dict[str, float]:
    return {"pixel_auc": auroc(ranked), "pixel_f1": f1_max(ranked), "pixel_pro": au_pro(ranked)}
