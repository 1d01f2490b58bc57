"""Bootstrap interval of a pixel-level primary metric on an MVTec-sized category.

Worst case of issue 9: 1,725 test images (all of MVTec AD's test set), 256x256
masks, primary metric pixel AUROC, 1,000 resamples of whole images. Times
(1) building the per-image histograms at scoring time and (2) the 95%
percentile interval, and (3) a paired comparison of two entries on the same
resamples. Also prints the binning error bound and the binned vs exact
pixel AUROC on the full set.

    .venv/bin/python bench/bootstrap.py [--images 1725] [--size 256] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.anomaly import metrics as M  # noqa: E402
from benchmarks.anomaly import resample  # noqa: E402


def category(
    n_images: int, size: int, map_size: int, seed: int
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """Masks at ``size``, two entries' maps at ``map_size`` (resized when scored)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    masks, maps_a, maps_b = [], [], []
    for i in range(n_images):
        mask = np.zeros((size, size), dtype=bool)
        if i % 3:
            cy, cx = rng.uniform(0.1, 0.9, 2) * size
            ry, rx = rng.uniform(0.02, 0.15, 2) * size
            mask = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 < 1
        coarse = mask[:: size // map_size, :: size // map_size]
        maps_a.append(rng.random((map_size, map_size)).astype(np.float32) + 0.5 * coarse)
        maps_b.append(rng.random((map_size, map_size)).astype(np.float32) + 0.45 * coarse)
        masks.append(mask)
    return masks, maps_a, maps_b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1725)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--map-size", type=int, default=64)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--bins", type=int, default=resample.PIXEL_BINS)
    args = parser.parse_args()

    masks, maps_a, maps_b = category(args.images, args.size, args.map_size, seed=0)
    print(
        f"category: {args.images} images, {args.size}x{args.size} masks "
        f"({args.images * args.size**2 / 1e6:.0f} M pixels), {args.resamples} resamples, {args.bins} bins"
    )

    started = time.perf_counter()
    items_a = resample.pixel_items(maps_a, masks, n_bins=args.bins)
    build_seconds = time.perf_counter() - started
    items_b = resample.pixel_items(maps_b, masks, n_bins=args.bins)
    item_bytes = sum(v.nbytes for v in items_a.values())

    started = time.perf_counter()
    rng = np.random.default_rng(12345)
    counts = rng.multinomial(args.images, np.full(args.images, 1 / args.images), size=args.resamples)
    values_a = resample.resample_pixel_auc(items_a, counts)
    low, high = np.percentile(values_a, [2.5, 97.5])
    interval_seconds = time.perf_counter() - started

    started = time.perf_counter()
    values_b = resample.resample_pixel_auc(items_b, counts)
    difference = values_a - values_b
    d_low, d_high = np.percentile(difference, [2.5, 97.5])
    paired_seconds = time.perf_counter() - started

    bounds = resample.binned_auc_error_bound(*resample.resampled_pixel_histograms(items_a, counts))
    exact = M.auroc(M.rank_pixel_scores(maps_a, masks))
    binned = resample.resample_pixel_auc(items_a, np.ones((1, args.images)))[0]

    print(f"per-image histograms (scoring time): {build_seconds:.2f} s, {item_bytes / 2**20:.1f} MiB per entry")
    print(
        f"95% interval, {args.resamples} resamples: {interval_seconds:.2f} s  "
        f"-> pixel AUROC {exact:.4f} [{low:.4f}, {high:.4f}]"
    )
    print(
        f"paired comparison with a second entry: {paired_seconds:.2f} s  "
        f"-> difference [{d_low:.4f}, {d_high:.4f}], significant: {not (d_low <= 0 <= d_high)}"
    )
    print(
        f"binning error bound per resample: median {np.median(bounds):.2e}, max {bounds.max():.2e}; "
        f"full set binned {binned:.6f} vs exact {exact:.6f} (|diff| {abs(binned - exact):.1e})"
    )


if __name__ == "__main__":
    main()
