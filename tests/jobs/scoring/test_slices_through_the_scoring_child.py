"""Slices survive the real scoring path: the anomaly scorer runs in the isolated child, its per-item arrays
(defect types as numbers) and notes (their names) come back, are stored with the job, and
``jobs.scoring.slices.job_slices`` reads one slice per defect type from them."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from benchmarks import registry
from benchmarks.base import RunInfo
from jobs.models import Job
from jobs.scoring import intervals, isolated, isolated_score
from jobs.scoring.slices import job_slices
from submissions.models import Submission
from tests.benchmarks.anomaly.conftest import oracle_predictions, tiny_benchmark


@pytest.fixture
def brick(tmp_path):
    benchmark = tiny_benchmark("brick", seed=4)
    benchmark.slug = "anomaly-slices-test"
    benchmark.prepare(tmp_path / "public", tmp_path / "hidden")
    registry.register(benchmark)
    yield benchmark, tmp_path / "hidden"
    registry.unregister(benchmark.slug)


def test_defect_type_slices_from_a_job_scored_in_the_child(alice, brick, tmp_path):
    benchmark, hidden = brick
    out = oracle_predictions(hidden, tmp_path / "out", noise=0.2)
    score, _ = isolated_score.score(
        benchmark,
        output_dir=out,
        hidden_dir=hidden,
        artifact_dir=tmp_path / "art",
        run_info=RunInfo(),
        limits=isolated.Limits(timeout_s=120, memory_mb=2048),
    )
    submission = Submission.objects.create(
        owner=alice, benchmark=benchmark.slug, method="oracle", sha256="0" * 64, size_bytes=1, archive="x.zip"
    )
    job = Job.objects.create(
        submission=submission,
        owner=alice,
        benchmark=benchmark.slug,
        resource_class="small",
        status="completed",
        finished_at=timezone.now(),
    )
    Job.objects.filter(pk=job.pk).update(**intervals.score_fields(benchmark, score, job_id=job.pk))
    job.refresh_from_db()

    truth = json.loads((hidden / "ground_truth.json").read_text())["items"]
    public_types = {item["defect"] for item in truth if item["part"] == "public"} - {"good"}
    slices = job_slices(job, "public")
    by_type = {s["name"]: s for s in slices if s["group"] == "defect type"}
    assert set(by_type) == public_types
    for s in by_type.values():
        assert s["value"] == pytest.approx(1.0) and s["metric"] == "image_auc"
        assert s["n"] == 1 + sum(1 for item in truth if item["part"] == "public" and item["defect"] == "good")
