"""PaDiM baseline (anomalib) for the leaders-board anomaly benchmark.

Fits anomalib's PaDiM model on ``$LB_DATASET_DIR/train/good`` and writes the
output contract for every public test image:

    OUTDIR/predictions.npz   ids, scores, maps
    OUTDIR/timings.json      {"inference_time_ms": ...}

Usage: python main.py --config config.yaml --output OUTDIR
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

# Caches that libraries would otherwise create in $HOME or the cwd (both are
# read-only in the sandbox) go to a temporary folder, and nothing downloads.
_CACHE = tempfile.mkdtemp(prefix="padim-")
os.environ.setdefault("MPLCONFIGDIR", _CACHE)
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TORCH_HOME", _CACHE)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402
from PIL import Image  # noqa: E402

IMAGENET_MEAN = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
IMAGENET_STD = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, type=Path)
    parser.add_argument("--output", required=True, type=Path)
    return parser.parse_args()


def load_batch(paths: list[Path], size: int) -> torch.Tensor:
    """Images resized to size x size, RGB, ImageNet-normalised, (N, 3, H, W)."""
    arrays = []
    for path in paths:
        with Image.open(path) as image:
            arrays.append(np.asarray(image.convert("RGB").resize((size, size), Image.BILINEAR)))
    batch = torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).float() / 255.0
    return (batch - IMAGENET_MEAN) / IMAGENET_STD


def batches(paths: list[Path], batch_size: int):
    for start in range(0, len(paths), batch_size):
        yield paths[start : start + batch_size]


def build_model(config: dict) -> torch.nn.Module:
    from anomalib.models import Padim

    module = Padim(
        backbone=config["backbone"],
        layers=list(config["layers"]),
        pre_trained=bool(config["pre_trained"]),
        n_features=config.get("n_features"),
        pre_processor=False,
        post_processor=False,
        evaluator=False,
        visualizer=False,
    )
    return module.model  # the torch model: feature extractor + Gaussian


def main() -> None:
    args = parse_args()
    config = yaml.safe_load(args.config.read_text())
    # A "k seeds" run (lb submit --seeds k) sets LB_TRAIN_SEED; otherwise the config's seed.
    config["seed"] = int(os.environ.get("LB_TRAIN_SEED") or config.get("seed", 0))
    data_dir = Path(os.environ["LB_DATASET_DIR"])
    dataset = json.loads((data_dir / "dataset.json").read_text())
    torch.manual_seed(int(config["seed"]))
    wants_cuda = config.get("device", "auto") in ("auto", "cuda")
    device = torch.device("cuda" if wants_cuda and torch.cuda.is_available() else "cpu")
    size, batch_size = int(config["image_size"]), int(config["batch_size"])

    model = build_model(config).to(device)
    train_paths = sorted((data_dir / "train" / "good").glob("*.png"))
    model.train()
    for _ in range(int(config.get("epochs", 1))):  # PaDiM needs a single pass
        for chunk in batches(train_paths, batch_size):
            model(load_batch(chunk, size).to(device))
    model.fit()
    model.eval()

    ids = list(dataset["test_ids"])
    test_paths = [data_dir / "test" / f"{test_id}.png" for test_id in ids]
    scores, maps = [], []
    started = time.perf_counter()
    with torch.no_grad():
        for chunk in batches(test_paths, batch_size):
            output = model(load_batch(chunk, size).to(device))
            scores.append(output.pred_score.reshape(-1).cpu().numpy())
            maps.append(output.anomaly_map.reshape(len(chunk), size, size).cpu().numpy())
    if device.type == "cuda":
        torch.cuda.synchronize()
    elapsed = time.perf_counter() - started

    args.output.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        args.output / "predictions.npz",
        ids=np.array(ids),
        scores=np.concatenate(scores).astype(np.float32),
        maps=np.concatenate(maps).astype(np.float32),
    )
    timings = {"inference_time_ms": 1000.0 * elapsed / max(len(ids), 1), "device": device.type}
    (args.output / "timings.json").write_text(json.dumps(timings))
    print(
        f"padim: {len(train_paths)} train, {len(ids)} test images on {device.type}; {timings['inference_time_ms']:.1f} ms/image"
    )


if __name__ == "__main__":
    main()
