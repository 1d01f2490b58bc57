"""Preparing a category: public data without labels, hidden truth, seeded split."""

from __future__ import annotations

import json
import os
from collections import Counter

import numpy as np
from PIL import Image

from benchmarks.anomaly import benchmarks, synthetic
from tests.benchmarks.anomaly.conftest import read_png, tiny_benchmark


def test_public_data_holds_no_labels_or_masks(prepared):
    benchmark, public, _ = prepared
    entries = sorted(os.listdir(public))
    assert entries == ["dataset.json", "test", "train"]
    assert os.listdir(public / "train") == ["good"]
    test_files = sorted(os.listdir(public / "test"))
    assert all(name.endswith(".png") and name[:-4].isdigit() for name in test_files)
    description = json.loads((public / "dataset.json").read_text())
    text = json.dumps(description)
    for word in ("label", "mask", "defect", "private", *synthetic.DEFECTS):
        assert word not in text
    assert sorted(description["test_ids"]) == [name[:-4] for name in test_files]
    assert not any("mask" in name for _, _, files in os.walk(public) for name in files)


def test_hidden_truth_matches_the_public_test_images(prepared):
    _, public, hidden = prepared
    truth = json.loads((hidden / "ground_truth.json").read_text())
    spec = synthetic.SIZES["tiny"]
    assert len(truth["items"]) == spec.n_test_good + spec.n_test_defect
    with np.load(hidden / "masks.npz") as masks:
        for item in truth["items"]:
            image = read_png(public / "test" / f"{item['id']}.png")
            assert masks[item["id"]].shape == image.shape[:2]
            assert bool(masks[item["id"]].any()) == bool(item["label"])


def test_split_is_seeded_stratified_and_half_half(prepared):
    benchmark, _, hidden = prepared
    truth = json.loads((hidden / "ground_truth.json").read_text())
    parts = Counter((item["label"], item["part"]) for item in truth["items"])
    for label in (0, 1):
        assert abs(parts[(label, "public")] - parts[(label, "private")]) <= 1
    assert benchmark.private_fraction == 0.5


def test_prepare_is_idempotent_and_reproducible(tmp_path, prepared):
    _, public, hidden = prepared
    stamp = (hidden / "ground_truth.json").stat().st_mtime_ns
    tiny_benchmark().prepare(public, hidden)
    assert (hidden / "ground_truth.json").stat().st_mtime_ns == stamp  # nothing rewritten

    tiny_benchmark().prepare(tmp_path / "public", tmp_path / "hidden")
    assert (tmp_path / "hidden" / "ground_truth.json").read_text() == (hidden / "ground_truth.json").read_text()
    for name in os.listdir(public / "test"):
        assert np.array_equal(read_png(public / "test" / name), read_png(tmp_path / "public" / "test" / name))


def test_other_seed_shuffles_names_and_split(tmp_path, prepared):
    _, _, hidden = prepared
    tiny_benchmark(seed=1).prepare(tmp_path / "public", tmp_path / "hidden")
    first = json.loads((hidden / "ground_truth.json").read_text())["items"]
    other = json.loads((tmp_path / "hidden" / "ground_truth.json").read_text())["items"]
    assert [(i["id"], i["source"]) for i in first] != [(i["id"], i["source"]) for i in other]


def test_changed_settings_rebuild_the_data(tmp_path):
    tiny_benchmark(seed=0).prepare(tmp_path / "public", tmp_path / "hidden")
    before = json.loads((tmp_path / "hidden" / "ground_truth.json").read_text())["fingerprint"]
    tiny_benchmark(seed=5).prepare(tmp_path / "public", tmp_path / "hidden")
    after = json.loads((tmp_path / "hidden" / "ground_truth.json").read_text())["fingerprint"]
    assert before != after
    # The fingerprint hashes the seed: the public half never carries it.
    assert "fingerprint" not in json.loads((tmp_path / "public" / "dataset.json").read_text())
    assert len(os.listdir(tmp_path / "public" / "test")) == sum(
        1 for _ in json.loads((tmp_path / "hidden" / "ground_truth.json").read_text())["items"]
    )


def write_mvtec_folder(root, category="widget"):
    """A tiny category in the MVTec AD layout, built from synthetic images."""
    data = synthetic.generate("brick", "tiny", seed=9)
    base = root / category
    (base / "train" / "good").mkdir(parents=True)
    for i, load in enumerate(data.train):
        Image.fromarray(load()).save(base / "train" / "good" / f"{i:03d}.png")
    for item in data.test:
        folder = base / "test" / item.defect
        folder.mkdir(parents=True, exist_ok=True)
        stem = item.source.split("/")[1][:-4]
        Image.fromarray(item.load_image()).save(folder / f"{stem}.png")
        if item.defect != "good":
            gt = base / "ground_truth" / item.defect
            gt.mkdir(parents=True, exist_ok=True)
            Image.fromarray(item.load_mask().astype(np.uint8) * 255).save(gt / f"{stem}_mask.png")
    return data


def test_factory_registers_synthetic_and_mvtec_categories(tmp_path):
    assert [b.slug for b in benchmarks()] == [f"anomaly-{c}" for c in synthetic.DEFAULT_CATEGORIES]
    data = write_mvtec_folder(tmp_path / "mvtec")
    everything = benchmarks(mvtec_root=str(tmp_path / "mvtec"), categories=["widget"])
    assert [b.slug for b in everything] == [*(f"anomaly-{c}" for c in synthetic.DEFAULT_CATEGORIES), "mvtec-widget"]
    assert benchmarks(mvtec_root=str(tmp_path / "mvtec"), categories=["other"], synthetic_categories=[]) == []
    found = benchmarks(mvtec_root=str(tmp_path / "mvtec"), synthetic_categories=[])
    assert [b.slug for b in found] == ["mvtec-widget"]
    found[0].prepare(tmp_path / "public", tmp_path / "hidden")
    truth = json.loads((tmp_path / "hidden" / "ground_truth.json").read_text())
    by_source = {item.source: item for item in data.test}
    with np.load(tmp_path / "hidden" / "masks.npz") as masks:
        for entry in truth["items"]:
            original = by_source[entry["source"]]
            assert entry["defect"] == original.defect
            assert np.array_equal(masks[entry["id"]], original.load_mask())
            shown = read_png(tmp_path / "public" / "test" / f"{entry['id']}.png")
            assert np.array_equal(shown, original.load_image())
    assert "CC BY-NC-SA 4.0" in found[0].description
