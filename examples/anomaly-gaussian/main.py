"""Per-pixel Gaussian baseline for the leaders-board anomaly benchmark.

No deep learning: blur every training image, keep the per-pixel, per-channel
mean and standard deviation, and call a test pixel anomalous by how many
standard deviations it lies from that mean. Works on aligned objects and,
after blurring, on textures. Writes the same output contract as the PaDiM
example: OUTDIR/predictions.npz (ids, scores, maps) and OUTDIR/timings.json.

Usage: python main.py --config config.yaml --output OUTDIR
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import yaml
from PIL import Image
from scipy import ndimage


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    return parser.parse_args()


def load(path: Path, size: int, blur: float) -> np.ndarray:
    """(size, size, 3) float32 in [0, 1], blurred spatially (not across channels)."""
    with Image.open(path) as image:
        array = np.asarray(image.convert("RGB").resize((size, size), Image.BILINEAR), dtype=np.float32) / 255.0
    return ndimage.gaussian_filter(array, sigma=(blur, blur, 0))


def anomaly_map(image: np.ndarray, mean: np.ndarray, std: np.ndarray, blur: float) -> np.ndarray:
    z = np.abs(image - mean) / std
    return ndimage.gaussian_filter(z.mean(axis=2), sigma=blur)


def main() -> None:
    args = parse_args()
    config = yaml.safe_load(args.config.read_text())
    # A "k seeds" run (lb submit --seeds k) sets LB_TRAIN_SEED; otherwise the config's seed.
    config["seed"] = int(os.environ.get("LB_TRAIN_SEED") or config.get("seed", 0))
    data_dir = Path(os.environ["LB_DATASET_DIR"])
    dataset = json.loads((data_dir / "dataset.json").read_text())
    size = int(config["image_size"])

    train = np.stack([load(p, size, config["image_blur"]) for p in sorted((data_dir / "train" / "good").glob("*.png"))])
    mean = train.mean(axis=0)
    std = train.std(axis=0) + float(config["min_std"])

    ids = list(dataset["test_ids"])
    started = time.perf_counter()
    maps = np.stack(
        [
            anomaly_map(load(data_dir / "test" / f"{i}.png", size, config["image_blur"]), mean, std, config["map_blur"])
            for i in ids
        ]
    )
    top = max(1, int(round(float(config["top_fraction"]) * size * size)))
    scores = np.sort(maps.reshape(len(ids), -1), axis=1)[:, -top:].mean(axis=1)
    elapsed = time.perf_counter() - started

    args.output.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.output / "predictions.npz", ids=np.array(ids), scores=scores, maps=maps.astype(np.float32))
    timings = {"inference_time_ms": 1000.0 * elapsed / max(len(ids), 1), "device": "cpu"}
    (args.output / "timings.json").write_text(json.dumps(timings))
    print(f"gaussian: {len(train)} train, {len(ids)} test images; {timings['inference_time_ms']:.1f} ms/image")


if __name__ == "__main__":
    main()
