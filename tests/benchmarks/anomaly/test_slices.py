"""Slices of the anomaly benchmark: one per defect type (its images against the good ones), computed from the
per-item arrays the scorer stores (each item's defect type as a number, the names in the notes)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.anomaly.dataset import load_ground_truth
from tests.benchmarks.anomaly.conftest import oracle_predictions, write_predictions


def _slice_values(benchmark, items, notes) -> dict[tuple[str, str], float]:
    return {
        (s.group, s.name): float(
            benchmark.resample_primary({k: v[s.rows] for k, v in items.items()}, np.ones((1, s.rows.size)))[0]
        )
        for s in benchmark.slices(items, notes)
    }


def test_a_method_blind_to_one_defect_type_fails_on_that_slice_only(prepared, tmp_path):
    benchmark, _, hidden = prepared
    truth = load_ground_truth(hidden)
    out = oracle_predictions(hidden, tmp_path / "oracle")
    with np.load(out / "predictions.npz") as data:
        ids, scores, maps = data["ids"], data["scores"].copy(), data["maps"]
    defect_of = dict(zip(truth.ids, truth.defects))
    scores[[defect_of[i] == "stain" for i in ids.tolist()]] = -1.0  # below every good image
    write_predictions(tmp_path / "blind", ids, scores, maps)
    result = benchmark.score(tmp_path / "blind", hidden, artifact_dir=tmp_path / "art")

    kinds = json.loads(result.notes["defect_types"])
    assert kinds[0] == "good" and set(kinds[1:]) == set(truth.defects) - {"good"}
    for items in (result.items, result.private_items):
        values = _slice_values(benchmark, items, result.notes)
        for (group, name), value in values.items():
            if group == "defect type":
                assert value == pytest.approx(0.0 if name == "stain" else 1.0), name
    public = {name for group, name in _slice_values(benchmark, result.items, result.notes) if group == "defect type"}
    private = {
        name for group, name in _slice_values(benchmark, result.private_items, result.notes) if group == "defect type"
    }
    assert public | private == set(truth.defects) - {"good"}  # every defect type is a slice of some part
    assert "stain" in public | private


def test_every_defect_slice_holds_its_own_images_and_the_good_ones(prepared, tmp_path):
    benchmark, _, hidden = prepared
    result = benchmark.score(oracle_predictions(hidden, tmp_path / "out"), hidden, artifact_dir=tmp_path / "art")
    codes = result.items["defect"]
    kinds = json.loads(result.notes["defect_types"])
    for piece in benchmark.slices(result.items, result.notes):
        chosen = {kinds[c] for c in codes[piece.rows]}
        if piece.group == "defect type":
            assert chosen == {"good", piece.name}
            assert piece.rows.size == int(np.sum(codes == 0) + np.sum(codes == kinds.index(piece.name)))
        else:
            assert piece.rows.size == codes.size


def test_items_from_before_slices_have_none(prepared):
    benchmark, _, _ = prepared
    assert benchmark.slices({"score": np.zeros(3), "label": np.zeros(3)}, {}) == []
