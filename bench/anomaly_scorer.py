"""Official anomaly metrics vs anomalib's metric classes: time, memory, agreement.

Builds an MVTec-sized category (default: 100 test images, 1024x1024 masks,
about two thirds defective with 1-3 blob regions each; maps at mask
resolution, scores in [0, 1] so anomalib's sigmoid never triggers), saves it
once, then computes all five metrics in two fresh subprocesses on identical
arrays: the official scorer (benchmarks.anomaly.metrics) and anomalib's
AUROC / F1Max / AUPRO classes. Prints seconds, peak RSS (and peak RSS above
the loaded inputs) and the largest absolute difference per metric.

    .venv/bin/python bench/anomaly_scorer.py [--images 100] [--size 1024]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
NAMES = ("image_auc", "image_f1", "pixel_auc", "pixel_f1", "pixel_pro")


def build(path: Path, n_images: int, size: int, seed: int = 0) -> None:
    from benchmarks.anomaly.resize import resize_bilinear

    rng = np.random.default_rng(seed)
    masks = np.zeros((n_images, size, size), dtype=bool)
    maps = np.empty((n_images, size, size), dtype=np.float32)
    yy, xx = np.mgrid[0:size, 0:size]
    for i in range(n_images):
        if i % 3:  # two thirds defective
            for _ in range(int(rng.integers(1, 4))):
                cy, cx = rng.uniform(0.1, 0.9, 2) * size
                ry, rx = rng.uniform(0.01, 0.12, 2) * size
                masks[i] |= ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1
        low = rng.random((size // 4, size // 4)).astype(np.float32)
        maps[i] = resize_bilinear(low, (size, size)) * 0.7 + masks[i] * rng.uniform(0.0, 0.25)
    maps /= maps.max()
    np.savez(path, maps=maps, masks=masks)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def official(maps: np.ndarray, masks: np.ndarray) -> dict[str, float]:
    from benchmarks.anomaly import metrics as M

    scores = maps.reshape(len(maps), -1).max(axis=1)
    labels = masks.any(axis=(1, 2))
    return {**M.image_metrics(scores, labels), **M.pixel_metrics(M.rank_pixel_scores(maps, masks))}


def anomalib_metrics(maps: np.ndarray, masks: np.ndarray, batch: int = 16) -> dict[str, float]:
    from types import SimpleNamespace

    import torch
    from anomalib.metrics import AUPRO, AUROC, F1Max

    metric_objects = {
        "image_auc": AUROC(fields=["pred_score", "gt_label"]),
        "image_f1": F1Max(fields=["pred_score", "gt_label"]),
        "pixel_auc": AUROC(fields=["anomaly_map", "gt_mask"]),
        "pixel_f1": F1Max(fields=["anomaly_map", "gt_mask"]),
        "pixel_pro": AUPRO(fields=["anomaly_map", "gt_mask"]),
    }
    for start in range(0, len(maps), batch):  # as during an evaluation loop
        anomaly_map = torch.from_numpy(maps[start : start + batch])
        gt_mask = torch.from_numpy(masks[start : start + batch])
        update = SimpleNamespace(
            anomaly_map=anomaly_map,
            gt_mask=gt_mask,
            pred_score=anomaly_map.flatten(1).amax(dim=1),
            gt_label=gt_mask.flatten(1).any(dim=1).long(),
        )
        for metric in metric_objects.values():
            metric.update(update)
    return {name: float(metric.compute()) for name, metric in metric_objects.items()}


def worker(kind: str, data: Path) -> None:
    # Import the libraries before loading, so the input baseline includes them.
    if kind == "anomalib":
        import anomalib.metrics  # noqa: F401
    else:
        import benchmarks.anomaly.metrics  # noqa: F401
    with np.load(data) as arrays:
        maps, masks = arrays["maps"], arrays["masks"]
    baseline = rss_mb()
    started = time.perf_counter()
    values = official(maps, masks) if kind == "official" else anomalib_metrics(maps, masks)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak, "inputs_rss_mb": baseline, "metrics": values}))


def run_worker(kind: str, data: Path) -> dict:
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--data", str(data)], capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise SystemExit(f"{kind} worker failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--size", type=int, default=1024)
    parser.add_argument("--worker", choices=("official", "anomalib"))
    parser.add_argument("--data", type=Path)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.data)
        return

    with tempfile.TemporaryDirectory(prefix="anomaly-bench-") as tmp:
        data = Path(tmp) / "category.npz"
        build(data, args.images, args.size)
        with np.load(data) as arrays:
            defect_share = float(arrays["masks"].mean())
        print(
            f"category: {args.images} test images, {args.size}x{args.size} masks, "
            f"{args.images * args.size**2 / 1e6:.0f} M pixels, {100 * defect_share:.2f}% defective pixels"
        )
        results = {kind: run_worker(kind, data) for kind in ("official", "anomalib")}

    ours, theirs = results["official"], results["anomalib"]
    print(f"{'':12} {'seconds':>9} {'peak RSS MB':>12} {'above inputs MB':>16}")
    for kind, r in results.items():
        print(f"{kind:12} {r['seconds']:9.2f} {r['peak_rss_mb']:12.0f} {r['peak_rss_mb'] - r['inputs_rss_mb']:16.0f}")
    print(
        f"speed-up: {theirs['seconds'] / ours['seconds']:.1f}x; peak RSS ratio (official/anomalib): "
        f"{ours['peak_rss_mb'] / theirs['peak_rss_mb']:.2f}; above inputs: "
        f"{(ours['peak_rss_mb'] - ours['inputs_rss_mb']) / (theirs['peak_rss_mb'] - theirs['inputs_rss_mb']):.2f}"
    )
    print(f"{'metric':10} {'official':>12} {'anomalib':>12} {'|diff|':>10}")
    for name in NAMES:
        a, b = ours["metrics"][name], theirs["metrics"][name]
        print(f"{name:10} {a:12.6f} {b:12.6f} {abs(a - b):10.2e}")


if __name__ == "__main__":
    main()
