"""The official metrics against scikit-learn, the MVTec AD reference code and
hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import precision_recall_curve, roc_auc_score

from benchmarks.anomaly import metrics as M
from tests.benchmarks.anomaly.anomaly_reference import mvtec_au_pro


def sklearn_f1_max(labels: np.ndarray, scores: np.ndarray) -> float:
    precision, recall, _ = precision_recall_curve(labels, scores)
    with np.errstate(invalid="ignore"):
        f1 = 2 * precision * recall / (precision + recall)
    return float(np.nanmax(f1))


def random_image_cases(seed: int, n_cases: int):
    rng = np.random.default_rng(seed)
    for case in range(n_cases):
        n = int(rng.integers(2, 60))
        labels = rng.integers(0, 2, n)
        labels[0], labels[1] = 0, 1
        kind = case % 4
        if kind == 0:
            scores = rng.normal(size=n)
        elif kind == 1:  # heavy ties
            scores = rng.integers(0, 3, n).astype(float)
        elif kind == 2:  # raw scores far outside [0, 1]
            scores = rng.normal(1e6, 1e3, n)
        else:  # nearly equal scores, one ulp apart
            scores = np.nextafter(1.0, 2.0) ** rng.integers(0, 3, n)
        yield labels, scores


def test_image_auc_and_f1_agree_with_scikit_learn():
    for labels, scores in random_image_cases(seed=1, n_cases=400):
        got = M.image_metrics(scores, labels)
        assert got["image_auc"] == pytest.approx(roc_auc_score(labels, scores), abs=1e-12)
        assert got["image_f1"] == pytest.approx(sklearn_f1_max(labels, scores), abs=1e-12)


def test_raw_scores_are_not_squashed_by_a_sigmoid():
    # A sigmoid in float32 maps all of these to 1.0 and would give AUROC 0.5.
    labels = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([50.0, 60.0, 70.0, 65.0, 80.0, 90.0])
    assert M.image_metrics(scores, labels)["image_auc"] == pytest.approx(roc_auc_score(labels, scores))
    assert M.image_metrics(scores, labels)["image_auc"] == pytest.approx(8 / 9)


def test_metrics_depend_only_on_the_order_of_scores():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 2, 50)
    scores = rng.integers(0, 4, 50).astype(float)
    base = M.image_metrics(scores, labels)
    shifted = M.image_metrics(scores * 1e6 - 3e9, labels)
    assert base == pytest.approx(shifted, abs=1e-12)


def test_ties_give_the_same_metrics_in_any_file_order():
    rng = np.random.default_rng(3)
    maps = rng.integers(0, 3, (6, 8, 8)).astype(np.float32)
    masks = rng.random((6, 8, 8)) < 0.2
    masks[:2] = False  # two normal images
    scores = maps.max(axis=(1, 2))
    labels = masks.any(axis=(1, 2))
    reference = {**M.image_metrics(scores, labels), **M.pixel_metrics(M.rank_pixel_scores(maps, masks))}
    for _ in range(5):
        order = rng.permutation(6)
        shuffled = {
            **M.image_metrics(scores[order], labels[order]),
            **M.pixel_metrics(M.rank_pixel_scores(maps[order], masks[order])),
        }
        assert shuffled == reference  # exactly, not approximately


def test_undefined_metrics_are_nan():
    assert math.isnan(M.image_metrics(np.array([0.1, 0.2]), np.array([0, 0]))["image_auc"])
    assert math.isnan(M.image_metrics(np.array([0.1, 0.2]), np.array([0, 0]))["image_f1"])
    assert math.isnan(M.image_metrics(np.array([0.1, 0.2]), np.array([1, 1]))["image_auc"])


def test_pixel_auc_and_f1_agree_with_scikit_learn_on_pooled_pixels():
    rng = np.random.default_rng(4)
    for case in range(60):
        n, h, w = int(rng.integers(1, 5)), int(rng.integers(2, 16)), int(rng.integers(2, 16))
        masks = rng.random((n, h, w)) < rng.uniform(0.05, 0.6)
        masks.flat[0], masks.flat[1] = True, False
        maps = rng.random((n, h, w)).astype(np.float32) + 0.3 * masks
        if case % 2:
            maps = np.round(maps * 4).astype(np.float32)  # ties
        got = M.pixel_metrics(M.rank_pixel_scores(maps, masks))
        assert got["pixel_auc"] == pytest.approx(roc_auc_score(masks.ravel(), maps.ravel()), abs=1e-12)
        assert got["pixel_f1"] == pytest.approx(sklearn_f1_max(masks.ravel(), maps.ravel()), abs=1e-12)


def test_au_pro_agrees_with_the_mvtec_reference_code():
    rng = np.random.default_rng(5)
    for case in range(150):
        n, h, w = int(rng.integers(1, 5)), int(rng.integers(3, 14)), int(rng.integers(3, 14))
        masks = rng.random((n, h, w)) < rng.uniform(0.02, 0.5)
        masks.flat[0], masks.flat[1] = True, False
        maps = rng.random((n, h, w)).astype(np.float32) + rng.uniform(0, 1) * masks
        if case % 3 == 0:
            maps = np.floor(maps * 3).astype(np.float32)  # tie groups straddle FPR 0.3
        got = M.au_pro(M.rank_pixel_scores(maps, masks))
        assert got == pytest.approx(mvtec_au_pro(maps.astype(np.float64), masks), abs=1e-9)
        assert 0.0 <= got <= 1.0


def one_region_case() -> tuple[np.ndarray, np.ndarray]:
    mask = np.zeros((4, 4), dtype=bool)
    mask[1:3, 1:3] = True  # one 4-pixel region, 12 normal pixels
    anomaly_map = np.where(mask, 1.0, 0.0).astype(np.float32)
    anomaly_map[0, 0] = 2.0  # one false alarm above the defect: FPR 1/12 before PRO rises
    return anomaly_map, mask


def test_pro_one_region():
    anomaly_map, mask = one_region_case()
    # PRO is 0 up to FPR 1/12, then 1: area = 0.3 - 1/12, normalised 1 - (1/12)/0.3.
    assert M.au_pro(M.rank_pixel_scores([anomaly_map], [mask])) == pytest.approx(13 / 18)


def test_pro_two_regions_of_different_size_count_equally():
    mask = np.zeros((10, 10), dtype=bool)
    mask[1:3, 1:3] = True  # region A, 4 pixels
    mask[7, 7] = True  # region B, 1 pixel
    anomaly_map = np.zeros((10, 10), dtype=np.float32)
    anomaly_map[1, 1:3] = 3.0  # half of A
    anomaly_map[2, 1:3] = 1.0  # other half of A
    anomaly_map[7, 7] = 2.0  # all of B
    normal = np.flatnonzero(~mask.ravel())[:19]  # 19 of 95 normal pixels: FPR 0.2
    anomaly_map.ravel()[normal] = 2.5
    # PRO 0.25 (A half-found) on FPR [0, 0.2], then 1 on [0.2, 0.3]:
    # (0.2 * 0.25 + 0.1 * 1) / 0.3 = 0.5. Pooling pixels instead would give 0.6.
    assert M.au_pro(M.rank_pixel_scores([anomaly_map], [mask])) == pytest.approx(0.5)


def test_pro_region_touching_the_border_is_eight_connected():
    mask = np.zeros((5, 5), dtype=bool)
    mask[0, 0] = mask[1, 1] = mask[1, 2] = True  # diagonal touch: one region of 3
    anomaly_map = np.zeros((5, 5), dtype=np.float32)
    anomaly_map[0, 0] = 5.0  # corner pixel found first
    # PRO jumps to 1/3 at FPR 0, then rises linearly to 1 at FPR 1 (tie at 0):
    # at 0.3 it is 1/3 + 0.2; area 0.3 * (1/3 + 1/3 + 0.2) / 2, normalised 13/30.
    # Four-connected regions would start at 1/2 instead.
    assert M.au_pro(M.rank_pixel_scores([anomaly_map], [mask])) == pytest.approx(13 / 30)


def test_pro_all_normal_images_only_add_false_positives():
    anomaly_map, mask = one_region_case()
    normal_map = np.zeros((4, 4), dtype=np.float32)
    normal_mask = np.zeros((4, 4), dtype=bool)
    ranked = M.rank_pixel_scores([anomaly_map, normal_map], [mask, normal_mask])
    # 28 normal pixels now; the false alarm costs FPR 1/28.
    assert ranked.n_regions == 1
    assert M.au_pro(ranked) == pytest.approx(1 - (1 / 28) / 0.3)
    only_normal = M.rank_pixel_scores([normal_map], [normal_mask])
    assert math.isnan(M.au_pro(only_normal))
    assert math.isnan(M.pixel_metrics(only_normal)["pixel_auc"])


def test_pro_never_exceeds_one_and_perfect_maps_score_one():
    rng = np.random.default_rng(6)
    masks = rng.random((3, 20, 20)) < 0.1
    perfect = masks.astype(np.float32) * 10 + rng.random((3, 20, 20)).astype(np.float32)
    assert M.au_pro(M.rank_pixel_scores(perfect, masks)) == pytest.approx(1.0)
    assert M.au_pro(M.rank_pixel_scores(-perfect, masks)) == pytest.approx(0.0)
