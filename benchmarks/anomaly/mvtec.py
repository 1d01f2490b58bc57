"""Reading a data set in the MVTec AD folder layout::

    ROOT/CATEGORY/train/good/*.png
    ROOT/CATEGORY/test/good/*.png
    ROOT/CATEGORY/test/DEFECT/*.png
    ROOT/CATEGORY/ground_truth/DEFECT/<stem>_mask.png

MVTec AD itself, VisA converted to this layout, or an operator's own line all
work. Images are loaded lazily, one at a time, while the category is written.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.anomaly.dataset import Category, TestItem

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())


def find_categories(root: str | Path) -> list[str]:
    """Sub-folders of ``root`` that look like categories (have train/good)."""
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / "train" / "good").is_dir())


def _load_image(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB") if image.mode not in ("L", "RGB") else image)


def _load_mask(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("L")) > 0


def _empty_mask(image_path: Path) -> np.ndarray:
    with Image.open(image_path) as image:
        return np.zeros((image.height, image.width), dtype=bool)


def read_category(root: str | Path, name: str) -> Category:
    folder = Path(root) / name
    train = [partial(_load_image, p) for p in _images(folder / "train" / "good")]
    items: list[TestItem] = []
    for defect_dir in sorted(p for p in (folder / "test").iterdir() if p.is_dir()):
        defect = defect_dir.name
        for image_path in _images(defect_dir):
            source = f"{defect}/{image_path.name}"
            if defect == "good":
                mask_loader = partial(_empty_mask, image_path)
            else:
                mask_path = folder / "ground_truth" / defect / f"{image_path.stem}_mask.png"
                if not mask_path.is_file():
                    raise FileNotFoundError(f"{name}: no ground-truth mask {mask_path} for {source}")
                mask_loader = partial(_load_mask, mask_path)
            items.append(TestItem(source, defect, partial(_load_image, image_path), mask_loader))
    if not train or not items:
        raise ValueError(f"{folder}: needs train/good and test images")
    return Category(name=name, train=train, test=items)
