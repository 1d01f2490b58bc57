"""Per-image data for bootstrap intervals, and the resampled primary metric.

A bootstrap resample draws whole test images with replacement; ``counts``
(n_resamples, n_images) says how often each image is drawn. AUROC of a
resample is a weighted Mann-Whitney statistic, so it only needs, per score
value, the weighted number of negatives and positives:

* image level (``image_auc``, exact): items are each image's ``score`` and
  ``label``; equal scores are grouped, so ties count 1/2 as in the metric.
* pixel level (``pixel_auc``, binned): items are per-image histograms of
  normal and defective pixel scores on one fixed set of bin edges (quantiles
  of the pooled pixel scores). A resample's histograms are ``counts @ hist``
  (one matrix product), and pixels in the same bin count as tied. The error
  against the exact pixel AUROC of the same resample is at most
  ``0.5 * sum_k pos_k * neg_k / (P * N)`` (:func:`binned_auc_error_bound`),
  about ``0.5 / n_bins`` for quantile bins.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from benchmarks.anomaly.resize import resize_bilinear

PIXEL_BINS = 1024
_EDGE_SAMPLE = 1_000_000  # pooled pixels used to place the bin edges


def image_items(scores: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
    return {"score": np.asarray(scores, dtype=np.float64), "label": np.asarray(labels, dtype=np.int8)}


def pixel_items(
    maps: Sequence[np.ndarray], masks: Sequence[np.ndarray], n_bins: int = PIXEL_BINS
) -> dict[str, np.ndarray]:
    """Per-image histograms of normal / defective pixel scores (uint32, (n, n_bins))."""
    resized = [resize_bilinear(m, mask.shape) for m, mask in zip(maps, masks, strict=True)]
    total = sum(r.size for r in resized)
    step = max(1, total // _EDGE_SAMPLE)
    sample = np.concatenate([r.ravel()[::step] for r in resized])
    edges = np.unique(np.quantile(sample, np.linspace(0, 1, n_bins + 1)[1:-1]).astype(np.float32))
    neg_hist = np.zeros((len(resized), n_bins), dtype=np.uint32)
    pos_hist = np.zeros((len(resized), n_bins), dtype=np.uint32)
    for i, (scores, mask) in enumerate(zip(resized, masks)):
        mask = np.asarray(mask, dtype=bool)
        neg_hist[i, : edges.size + 1] = _histogram(scores[~mask], edges)
        pos_hist[i, : edges.size + 1] = _histogram(scores[mask], edges)
    return {"neg_hist": neg_hist, "pos_hist": pos_hist}


def _histogram(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts per bin ``edges[k-1] <= v < edges[k]`` (len(edges) + 1 bins).

    Sorting the values and searching the few edges in them is several times
    faster than searching every value among the edges.
    """
    below_edge = np.searchsorted(np.sort(values), edges, side="left")
    return np.diff(below_edge, prepend=0, append=values.size)


def grouped_auc(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """AUROC per row from weighted counts per ascending score group (B, G)."""
    neg_below = np.cumsum(neg, axis=1) - neg
    wins = np.sum(pos * (neg_below + 0.5 * neg), axis=1)
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(pairs > 0, wins / np.where(pairs > 0, pairs, 1), np.nan)


def binned_auc_error_bound(neg: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Largest possible |binned - exact| AUROC per row: half the within-bin pairs."""
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return 0.5 * np.sum(pos * neg, axis=1) / pairs


def resample_image_auc(items: Mapping[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
    scores = np.asarray(items["score"], dtype=np.float64)
    labels = np.asarray(items["label"]).astype(bool)
    order = np.argsort(scores, kind="stable")
    sorted_scores = scores[order]
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    weights = np.asarray(counts, dtype=np.float64)[:, order]
    neg = np.add.reduceat(weights * ~labels[order], starts, axis=1)
    pos = np.add.reduceat(weights * labels[order], starts, axis=1)
    return grouped_auc(neg, pos)


def resampled_pixel_histograms(items: Mapping[str, np.ndarray], counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    weights = np.asarray(counts, dtype=np.float64)
    return weights @ items["neg_hist"].astype(np.float64), weights @ items["pos_hist"].astype(np.float64)


def resample_pixel_auc(items: Mapping[str, np.ndarray], counts: np.ndarray) -> np.ndarray:
    return grouped_auc(*resampled_pixel_histograms(items, counts))
