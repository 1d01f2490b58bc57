"""score(): public/private metrics, cost metrics, artifacts, resampling items."""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks.anomaly import metrics as M
from benchmarks.anomaly.dataset import load_ground_truth
from benchmarks.base import RunInfo
from tests.benchmarks.anomaly.conftest import oracle_predictions, write_predictions

NAMES = {"image_auc", "image_f1", "pixel_auc", "pixel_f1", "pixel_pro", "inference_time_ms", "vram_mb"}
QUALITY = ("image_auc", "image_f1", "pixel_auc", "pixel_f1", "pixel_pro")


def test_perfect_predictions_score_one_in_both_parts(prepared, tmp_path):
    benchmark, _, hidden = prepared
    out = oracle_predictions(hidden, tmp_path / "out", noise=0.5)
    result = benchmark.score(out, hidden, artifact_dir=tmp_path / "art")
    assert set(result.metrics) == NAMES and set(result.private_metrics) == NAMES
    for name in QUALITY:
        assert result.metrics[name] == pytest.approx(1.0)
        assert result.private_metrics[name] == pytest.approx(1.0)


def test_parts_are_scored_on_their_own_items(prepared, tmp_path):
    benchmark, _, hidden = prepared
    out = oracle_predictions(hidden, tmp_path / "out", noise=3.0, seed=1)
    result = benchmark.score(out, hidden, artifact_dir=tmp_path / "art")
    truth = load_ground_truth(hidden)
    with np.load(out / "predictions.npz") as predictions:
        position = {i: k for k, i in enumerate(predictions["ids"].tolist())}
        scores, maps = predictions["scores"], predictions["maps"]
    for part, got in (("public", result.metrics), ("private", result.private_metrics)):
        chosen = [i for i, p in zip(truth.ids, truth.parts) if p == part]
        index = [position[i] for i in chosen]
        labels = truth.labels[truth.parts == part]
        expected = {
            **M.image_metrics(scores[index], labels),
            **M.pixel_metrics(M.rank_pixel_scores(maps[index], [truth.masks[i] for i in chosen])),
        }
        assert {k: got[k] for k in QUALITY} == pytest.approx(expected)
    assert result.metrics != result.private_metrics


def test_cost_metrics_and_their_sources(prepared, tmp_path):
    benchmark, _, hidden = prepared
    out = oracle_predictions(hidden, tmp_path / "out")
    n = len(load_ground_truth(hidden).ids)
    cpu = benchmark.score(out, hidden, artifact_dir=tmp_path / "a", run_info=RunInfo(wall_seconds=2.4, peak_vram_mb=99))
    assert cpu.metrics["inference_time_ms"] == pytest.approx(2400 / n)
    assert cpu.metrics["vram_mb"] == 0.0
    assert "wall time" in cpu.notes["inference_time_ms_source"] and "cpu" in cpu.notes["vram_mb_source"]
    (out / "timings.json").write_text(json.dumps({"inference_time_ms": 7.0}))
    gpu = benchmark.score(
        out, hidden, artifact_dir=tmp_path / "b", run_info=RunInfo(wall_seconds=2.4, peak_vram_mb=812.5, gpu=True)
    )
    assert gpu.metrics["inference_time_ms"] == 7.0 and gpu.private_metrics["inference_time_ms"] == 7.0
    assert gpu.metrics["vram_mb"] == 812.5
    assert "timings.json" in gpu.notes["inference_time_ms_source"]


def test_artifacts_show_only_the_public_part(prepared, tmp_path):
    benchmark, _, hidden = prepared
    out = oracle_predictions(hidden, tmp_path / "out", noise=3.0, seed=2)
    result = benchmark.score(out, hidden, artifact_dir=tmp_path / "art")
    names = {path.name for path in result.artifacts}
    assert names == {"roc_curve.png", "pr_curve.png", "pro_curve.png", "anomaly_maps_worst_best.png", "metrics.json"}
    for path in result.artifacts:
        assert path.parent == tmp_path / "art" and path.stat().st_size > 0
    saved = json.loads((tmp_path / "art" / "metrics.json").read_text())["metrics"]
    assert saved == pytest.approx(result.metrics)


def test_items_resample_to_the_primary_metric(prepared, tmp_path):
    benchmark, _, hidden = prepared
    out = oracle_predictions(hidden, tmp_path / "out", noise=3.0, seed=3)
    result = benchmark.score(out, hidden, artifact_dir=tmp_path / "art")
    for items, metrics in ((result.items, result.metrics), (result.private_items, result.private_metrics)):
        ones = np.ones((1, len(items["score"])))
        assert benchmark.resample_primary(items, ones)[0] == pytest.approx(metrics["image_auc"], abs=1e-12)


def test_pixel_level_primary_resamples_within_its_bound(tmp_path):
    from benchmarks.anomaly.resample import binned_auc_error_bound, resampled_pixel_histograms
    from tests.benchmarks.anomaly.conftest import tiny_benchmark

    benchmark = tiny_benchmark(primary_metric="pixel_auc")
    benchmark.prepare(tmp_path / "public", tmp_path / "hidden")
    out = oracle_predictions(tmp_path / "hidden", tmp_path / "out", noise=2.0, seed=4)
    result = benchmark.score(out, tmp_path / "hidden", artifact_dir=tmp_path / "art")
    ones = np.ones((1, result.items["neg_hist"].shape[0]))
    bound = binned_auc_error_bound(*resampled_pixel_histograms(result.items, ones))[0]
    assert bound < 2e-3
    assert abs(benchmark.resample_primary(result.items, ones)[0] - result.metrics["pixel_auc"]) <= bound


def test_constant_predictions_give_chance_level(prepared, tmp_path):
    benchmark, public, hidden = prepared
    truth = load_ground_truth(hidden)
    n = len(truth.ids)
    out = write_predictions(tmp_path / "out", truth.ids, np.zeros(n), np.zeros((n, 8, 8), np.float32))
    result = benchmark.score(out, hidden, artifact_dir=tmp_path / "art")
    assert result.metrics["image_auc"] == 0.5 and result.metrics["pixel_auc"] == 0.5
    # All pixels tie: the PRO curve is the straight line from (0, 0) to (1, 1).
    assert result.metrics["pixel_pro"] == pytest.approx(0.15)
