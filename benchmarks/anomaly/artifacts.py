"""Artifacts of one scoring: curve PNGs, a worst/best map grid, metrics.json.

Only ever called with the *public* part of the test set: artifacts are
logged to MLflow, where private numbers must not appear before close.
Uses matplotlib's object API (no pyplot state), safe in worker threads.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from PIL import Image

from benchmarks.anomaly.metrics import PRO_FPR_LIMIT, RankedScores

_CURVE_POINTS = 400
_GRID_COLUMNS = 4


def _thresholds(ranked: RankedScores) -> np.ndarray:
    qs = np.linspace(0, 1, _CURVE_POINTS)
    points = [np.quantile(ranked.negatives, qs)] if ranked.negatives.size else []
    if ranked.positives.size:
        points.append(np.quantile(ranked.positives, qs))
    return np.unique(np.concatenate(points))[::-1]


def curve_points(ranked: RankedScores) -> dict[str, np.ndarray]:
    """FPR, TPR, precision and PRO at a few hundred thresholds (descending)."""
    thresholds = _thresholds(ranked)
    order = np.argsort(ranked.positives, kind="stable")
    positives = ranked.positives[order]
    tp = positives.size - np.searchsorted(positives, thresholds, side="left")
    fp = ranked.negatives.size - np.searchsorted(ranked.negatives, thresholds, side="left")
    curves = {
        "fpr": fp / max(ranked.negatives.size, 1),
        "tpr": tp / max(positives.size, 1),
        "precision": tp / np.maximum(tp + fp, 1),
    }
    if ranked.positive_weights is not None:
        weights_from_top = np.cumsum(ranked.positive_weights[order][::-1])[::-1]
        weights_from_top = np.append(weights_from_top, 0.0)
        curves["pro"] = weights_from_top[np.searchsorted(positives, thresholds, side="left")]
    return curves


def _save(figure: Figure, path: Path) -> Path:
    figure.savefig(path, dpi=100, bbox_inches="tight")
    return path


def _curve_figure(title: str, xlabel: str, ylabel: str) -> tuple[Figure, object]:
    figure = Figure(figsize=(5, 4.5))
    axis = figure.add_subplot()
    axis.set(title=title, xlabel=xlabel, ylabel=ylabel, xlim=(0, 1), ylim=(0, 1.02))
    axis.grid(alpha=0.3)
    return figure, axis


def plot_curves(image: RankedScores, pixel: RankedScores, metrics: dict[str, float], out: Path) -> list[Path]:
    image_curve, pixel_curve = curve_points(image), curve_points(pixel)
    figure, axis = _curve_figure("ROC", "false positive rate", "true positive rate")
    axis.plot(image_curve["fpr"], image_curve["tpr"], label=f"image (AUROC {metrics['image_auc']:.3f})")
    axis.plot(pixel_curve["fpr"], pixel_curve["tpr"], label=f"pixel (AUROC {metrics['pixel_auc']:.3f})")
    axis.plot([0, 1], [0, 1], "k:", lw=1)
    axis.legend(loc="lower right")
    paths = [_save(figure, out / "roc_curve.png")]

    figure, axis = _curve_figure("Precision-recall", "recall", "precision")
    axis.plot(image_curve["tpr"], image_curve["precision"], label=f"image (F1-max {metrics['image_f1']:.3f})")
    axis.plot(pixel_curve["tpr"], pixel_curve["precision"], label=f"pixel (F1-max {metrics['pixel_f1']:.3f})")
    axis.legend(loc="lower left")
    paths.append(_save(figure, out / "pr_curve.png"))

    figure, axis = _curve_figure("Per-region overlap", "false positive rate (pixels)", "mean region overlap")
    if "pro" in pixel_curve:
        axis.plot(pixel_curve["fpr"], pixel_curve["pro"], label=f"AU-PRO@{PRO_FPR_LIMIT} {metrics['pixel_pro']:.3f}")
    axis.axvline(PRO_FPR_LIMIT, color="k", ls=":", lw=1)
    axis.legend(loc="lower right")
    paths.append(_save(figure, out / "pro_curve.png"))
    return paths


def _map_thumbnail(anomaly_map: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    image = Image.fromarray(np.asarray(anomaly_map, dtype=np.float32))
    return np.asarray(image.resize((size[1], size[0]), Image.BILINEAR))


def plot_grid(
    ids: list[str],
    scores: np.ndarray,
    labels: np.ndarray,
    maps: np.ndarray,
    thumbnails: dict[str, np.ndarray],
    out: Path,
) -> Path:
    """Worst and best images by how wrong their image score ranks them.

    Error of an image = share of images of the other class on the wrong side
    of its score: a defect scored below most normals is among the worst.
    """
    ranks = np.argsort(np.argsort(scores, kind="stable"), kind="stable") / max(len(scores) - 1, 1)
    error = np.where(labels == 1, 1 - ranks, ranks)
    order = np.argsort(error, kind="stable")
    chosen = {"worst": order[::-1][:_GRID_COLUMNS], "best": order[:_GRID_COLUMNS]}
    low, high = np.percentile(maps[:, :: max(1, maps.shape[1] // 64), :: max(1, maps.shape[2] // 64)], [1, 99])
    figure = Figure(figsize=(2.2 * _GRID_COLUMNS, 9))
    axes = figure.subplots(4, _GRID_COLUMNS, squeeze=False)
    for row, (name, indices) in enumerate(chosen.items()):
        for col in range(_GRID_COLUMNS):
            image_axis, map_axis = axes[2 * row, col], axes[2 * row + 1, col]
            image_axis.axis("off")
            map_axis.axis("off")
            if col >= len(indices):
                continue
            i = int(indices[col])
            thumb = thumbnails[ids[i]]
            image_axis.imshow(thumb)
            # No test id in titles: artifacts should not hand out labels by name.
            image_axis.set_title(f"{name}: {'defect' if labels[i] else 'good'}", fontsize=8)
            map_axis.imshow(thumb)
            map_axis.imshow(_map_thumbnail(maps[i], thumb.shape[:2]), cmap="jet", alpha=0.5, vmin=low, vmax=high)
            map_axis.set_title(f"score {scores[i]:.4g}", fontsize=8)
    return _save(figure, out / "anomaly_maps_worst_best.png")


def write_metrics_json(metrics: dict[str, float], notes: dict[str, str], out: Path) -> Path:
    clean = {k: (None if not np.isfinite(v) else float(v)) for k, v in metrics.items()}
    path = out / "metrics.json"
    path.write_text(json.dumps({"metrics": clean, "notes": notes}, indent=1, sort_keys=True))
    return path
