"""Public and hidden halves of a category on disk.

Public (``LB_DATASET_DIR``, what a submission sees)::

    dataset.json          category, image size, list of test ids, contract
    train/good/0000.png   normal training images
    test/0000.png         test images under shuffled anonymous ids

Hidden (only the scorer reads it)::

    ground_truth.json     per test id: source file, defect type, label, part
    masks.npz             per test id: the boolean defect mask
    thumbnails.npz        per test id: a small RGB copy for the artifact grid

Images are re-encoded (no metadata) and written in id order, so neither
names, metadata nor file times say anything about labels.
"""

from __future__ import annotations

import json
import shutil
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

PUBLIC_ENTRIES = ("dataset.json", "train", "test")
HIDDEN_ENTRIES = ("ground_truth.json", "masks.npz", "thumbnails.npz")
THUMBNAIL_SIZE = 96


@dataclass
class TestItem:
    source: str  # where it came from, e.g. "scratch/003.png" (hidden)
    defect: str  # "good" or the defect type
    load_image: Callable[[], np.ndarray]
    load_mask: Callable[[], np.ndarray]

    @property
    def label(self) -> int:
        return int(self.defect != "good")

    @classmethod
    def from_arrays(cls, source: str, defect: str, image: np.ndarray, mask: np.ndarray) -> TestItem:
        return cls(source, defect, lambda: image, lambda: mask)


@dataclass
class Category:
    name: str
    train: list[Callable[[], np.ndarray]]
    test: list[TestItem] = field(default_factory=list)


@dataclass
class GroundTruth:
    """What the scorer needs, loaded from the hidden directory."""

    ids: list[str]
    labels: np.ndarray  # (n,) 0 normal / 1 defective
    defects: list[str]
    parts: np.ndarray  # (n,) "public" / "private"
    masks: dict[str, np.ndarray]
    thumbnails: dict[str, np.ndarray]


def _seeded(seed: int, *words: str) -> np.random.Generator:
    return np.random.default_rng([seed, *(zlib.crc32(w.encode()) for w in words)])


def split_parts(items: list[TestItem], private_fraction: float, rng: np.random.Generator) -> list[str]:
    """Seeded public/private split, stratified by label and spread over defect types.

    Within each label, items are ordered by defect type (random order inside
    a type) and every item where ``(j + offset) * fraction`` crosses an
    integer goes private: each part gets its share of every defect type.
    """
    parts = ["public"] * len(items)
    for label in (0, 1):
        members = [i for i, item in enumerate(items) if item.label == label]
        keys = rng.random(len(members))
        members = [m for _, _, m in sorted(zip([items[m].defect for m in members], keys, members))]
        offset = rng.random()
        for j, index in enumerate(members):
            if int((j + 1 + offset) * private_fraction) > int((j + offset) * private_fraction):
                parts[index] = "private"
    return parts


def _save_png(image: np.ndarray, path: Path) -> None:
    Image.fromarray(np.ascontiguousarray(image)).save(path, format="PNG")


def _thumbnail(image: np.ndarray) -> np.ndarray:
    rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
    thumb = Image.fromarray(rgb[..., :3]).resize((THUMBNAIL_SIZE, THUMBNAIL_SIZE), Image.BILINEAR)
    return np.asarray(thumb)


def is_prepared(public_dir: Path, hidden_dir: Path, fingerprint: str) -> bool:
    """The fingerprint is a hash of facts that include the hidden seed: only the hidden half carries it.
    ``ground_truth.json`` is written last, so with it current the public half is complete too."""
    try:
        hidden = json.loads((hidden_dir / "ground_truth.json").read_text())
    except (OSError, ValueError):
        return False
    return hidden.get("fingerprint") == fingerprint and (public_dir / "dataset.json").is_file()


def _clear(directory: Path, entries: tuple[str, ...]) -> None:
    for name in entries:
        path = directory / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def write_category(
    category: Category,
    public_dir: Path,
    hidden_dir: Path,
    *,
    seed: int,
    private_fraction: float,
    fingerprint: str,
    description: dict,
) -> None:
    """Write both halves; ``dataset.json`` then ``ground_truth.json`` are written last (commit markers).

    ``fingerprint`` goes into the hidden half only: it is derived from the seed."""
    public_dir, hidden_dir = Path(public_dir), Path(hidden_dir)
    _clear(public_dir, PUBLIC_ENTRIES)
    _clear(hidden_dir, HIDDEN_ENTRIES)
    (public_dir / "train" / "good").mkdir(parents=True)
    (public_dir / "test").mkdir(parents=True)
    hidden_dir.mkdir(parents=True, exist_ok=True)

    for index, load in enumerate(category.train):
        _save_png(load(), public_dir / "train" / "good" / f"{index:04d}.png")

    n_test = len(category.test)
    rank = np.empty(n_test, dtype=np.int64)
    rank[_seeded(seed, category.name, "shuffle").permutation(n_test)] = np.arange(n_test)
    ids = [f"{r:04d}" for r in rank]
    parts = split_parts(category.test, private_fraction, _seeded(seed, category.name, "split"))

    masks: dict[str, np.ndarray] = {}
    thumbnails: dict[str, np.ndarray] = {}
    shapes: dict[str, list[int]] = {}
    for position in np.argsort(rank):  # write in id order
        item, test_id = category.test[position], ids[position]
        image = item.load_image()
        mask = np.asarray(item.load_mask(), dtype=bool)
        if mask.shape != image.shape[:2]:
            raise ValueError(f"{item.source}: mask {mask.shape} does not match image {image.shape[:2]}")
        _save_png(image, public_dir / "test" / f"{test_id}.png")
        masks[test_id] = mask
        thumbnails[test_id] = _thumbnail(image)
        shapes[test_id] = list(mask.shape)

    np.savez_compressed(hidden_dir / "masks.npz", **masks)
    np.savez_compressed(hidden_dir / "thumbnails.npz", **thumbnails)
    truth_items = [
        {"id": ids[i], "source": item.source, "defect": item.defect, "label": item.label, "part": parts[i]}
        for i, item in sorted(enumerate(category.test), key=lambda pair: ids[pair[0]])
    ]
    truth = {"fingerprint": fingerprint, "category": category.name, "items": truth_items}

    unique_shapes = {tuple(s) for s in shapes.values()}
    public = {
        **description,
        "category": category.name,
        "n_train": len(category.train),
        "test_ids": sorted(ids),
        "image_shape": list(unique_shapes.pop()) if len(unique_shapes) == 1 else None,
        "output": "predictions.npz with arrays ids, scores, maps (see docs/benchmarks/anomaly.md)",
    }
    (public_dir / "dataset.json").write_text(json.dumps(public, indent=1))
    (hidden_dir / "ground_truth.json").write_text(json.dumps(truth, indent=1))


def load_ground_truth(hidden_dir: Path) -> GroundTruth:
    hidden_dir = Path(hidden_dir)
    truth = json.loads((hidden_dir / "ground_truth.json").read_text())
    items = truth["items"]
    with np.load(hidden_dir / "masks.npz") as masks, np.load(hidden_dir / "thumbnails.npz") as thumbs:
        mask_arrays = {item["id"]: masks[item["id"]] for item in items}
        thumb_arrays = {item["id"]: thumbs[item["id"]] for item in items}
    return GroundTruth(
        ids=[item["id"] for item in items],
        labels=np.array([item["label"] for item in items], dtype=np.int8),
        defects=[item["defect"] for item in items],
        parts=np.array([item["part"] for item in items]),
        masks=mask_arrays,
        thumbnails=thumb_arrays,
    )
