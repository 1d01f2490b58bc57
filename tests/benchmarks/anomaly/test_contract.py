"""Malformed output fails scoring with a message that names the file and why."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from benchmarks.base import ScoringError
from tests.benchmarks.anomaly.conftest import public_test_ids, write_predictions


def valid_arrays(public_dir):
    ids = public_test_ids(public_dir)
    return ids, np.linspace(0, 1, len(ids)), np.zeros((len(ids), 16, 16), dtype=np.float32)


def score(prepared, out, tmp_path):
    benchmark, _, hidden = prepared
    return benchmark.score(out, hidden, artifact_dir=tmp_path / "artifacts")


def expect_error(prepared, out, tmp_path, *fragments):
    with pytest.raises(ScoringError) as error:
        score(prepared, out, tmp_path)
    for fragment in fragments:
        assert fragment in str(error.value)
    return str(error.value)


def test_missing_predictions_file(prepared, tmp_path):
    (tmp_path / "out").mkdir()
    expect_error(prepared, tmp_path / "out", tmp_path, "predictions.npz", "missing")


def test_missing_and_extra_images_are_named(prepared, tmp_path):
    ids, scores, maps = valid_arrays(prepared[1])
    out = write_predictions(tmp_path / "a", ids[1:], scores[1:], maps[1:])
    expect_error(prepared, out, tmp_path, "predictions.npz", "no prediction", f"test/{ids[0]}.png")
    out = write_predictions(tmp_path / "b", ids + ["9999"], np.r_[scores, 0], np.concatenate([maps, maps[:1]]))
    expect_error(prepared, out, tmp_path, "predictions.npz", "not in the test set", "test/9999.png")
    out = write_predictions(tmp_path / "c", ids[:-1] + ids[:1], scores, maps)
    expect_error(prepared, out, tmp_path, "predictions.npz", "duplicate", f"test/{ids[0]}.png")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_and_maps_are_named(prepared, tmp_path, bad):
    ids, scores, maps = valid_arrays(prepared[1])
    bad_scores = scores.copy()
    bad_scores[2] = bad
    out = write_predictions(tmp_path / "s", ids, bad_scores, maps)
    expect_error(prepared, out, tmp_path, "predictions.npz", "NaN or infinite", f"test/{ids[2]}.png")
    bad_maps = maps.copy()
    bad_maps[3, 4, 5] = bad
    out = write_predictions(tmp_path / "m", ids, scores, bad_maps)
    expect_error(prepared, out, tmp_path, "predictions.npz", "anomaly map", f"test/{ids[3]}.png")


def test_bad_shapes_and_types(prepared, tmp_path):
    ids, scores, maps = valid_arrays(prepared[1])
    out = write_predictions(tmp_path / "a", ids, scores, maps[:, 0, :])
    expect_error(prepared, out, tmp_path, "predictions.npz", "'maps' must have shape")
    out = write_predictions(tmp_path / "b", ids, scores[:, None], maps)
    expect_error(prepared, out, tmp_path, "predictions.npz", "'scores'")
    out = write_predictions(tmp_path / "c", ids, scores.astype(str), maps)
    expect_error(prepared, out, tmp_path, "predictions.npz", "'scores'")
    out = write_predictions(tmp_path / "d", np.arange(len(ids)), scores, maps)
    expect_error(prepared, out, tmp_path, "predictions.npz", "'ids'")
    out = write_predictions(tmp_path / "e", ids, scores, maps, labels=np.zeros(3))
    expect_error(prepared, out, tmp_path, "predictions.npz", "exactly the arrays")


def test_pickles_and_garbage_are_refused(prepared, tmp_path):
    ids, scores, maps = valid_arrays(prepared[1])
    out = tmp_path / "p"
    out.mkdir()
    np.savez(out / "predictions.npz", ids=np.array(ids, dtype=object), scores=scores, maps=maps)
    expect_error(prepared, out, tmp_path, "predictions.npz", "pickles")
    (out / "predictions.npz").write_bytes(b"not a zip file")
    expect_error(prepared, out, tmp_path, "predictions.npz", "not a readable .npz")


def test_symlinks_are_never_followed(prepared, tmp_path):
    ids, scores, maps = valid_arrays(prepared[1])
    real = write_predictions(tmp_path / "real", ids, scores, maps)
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(real / "predictions.npz", out / "predictions.npz")
    expect_error(prepared, out, tmp_path, "predictions.npz", "symbolic link")
    # A link to the hidden ground truth is refused the same way.
    linked = write_predictions(tmp_path / "t", ids, scores, maps)
    os.symlink(prepared[2] / "ground_truth.json", linked / "timings.json")
    expect_error(prepared, linked, tmp_path, "timings.json", "symbolic link")
    os.symlink(real, tmp_path / "linkdir")
    expect_error(prepared, tmp_path / "linkdir", tmp_path, "symbolic link")


def test_fifo_is_not_opened(prepared, tmp_path):
    out = tmp_path / "fifo"
    out.mkdir()
    os.mkfifo(out / "predictions.npz")
    expect_error(prepared, out, tmp_path, "predictions.npz", "not a regular file")


@pytest.mark.parametrize(
    "content", ["{", "[]", '{"inference_time_ms": "fast"}', '{"inference_time_ms": -1}', '{"inference_time_ms": NaN}']
)
def test_bad_timings_file(prepared, tmp_path, content):
    ids, scores, maps = valid_arrays(prepared[1])
    out = write_predictions(tmp_path / "t", ids, scores, maps)
    (out / "timings.json").write_text(content)
    expect_error(prepared, out, tmp_path, "timings.json")


def test_maps_at_any_resolution_and_order_are_accepted(prepared, tmp_path):
    ids, scores, maps = valid_arrays(prepared[1])
    order = np.random.default_rng(0).permutation(len(ids))
    small = write_predictions(
        tmp_path / "s", np.array(ids)[order], scores[order], np.zeros((len(ids), 3, 5), np.float16)
    )
    result = score(prepared, small, tmp_path)
    assert set(result.metrics) == {
        "image_auc",
        "image_f1",
        "pixel_auc",
        "pixel_f1",
        "pixel_pro",
        "inference_time_ms",
        "vram_mb",
    }
    (small / "timings.json").write_text(json.dumps({"inference_time_ms": 12.5}))
    assert score(prepared, small, tmp_path).metrics["inference_time_ms"] == 12.5


def test_array_headers_promising_more_data_than_stored_are_refused(prepared, tmp_path):
    import io
    import zipfile

    ids, scores, maps = valid_arrays(prepared[1])
    out = tmp_path / "bomb"
    out.mkdir()
    with zipfile.ZipFile(out / "predictions.npz", "w") as archive:
        for name, array in (("ids", np.array(ids)), ("scores", scores)):
            buffer = io.BytesIO()
            np.save(buffer, array)
            archive.writestr(f"{name}.npy", buffer.getvalue())
        header = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            header, {"descr": "<f4", "fortran_order": False, "shape": (len(ids), 100_000, 100_000)}
        )
        archive.writestr("maps.npy", header.getvalue())
    expect_error(prepared, out, tmp_path, "predictions.npz", "declares shape")
