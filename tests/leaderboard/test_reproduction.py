"""Reproduced by the platform, end to end: a phase closes, its top 3 lines are re-run from their stored
archives (by the platform's account, on no one's quota), and each gets its badge: a deterministic
submission is reproduced, one that picks its score from os.urandom is not."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.contrib.auth import get_user_model

from benchmarks import registry
from benchmarks.base import RunInfo, Score, ScoringError
from jobs.models import Job
from jobs.runner import execute
from jobs.scoring import datasets
from jobs.selectors import job_rate_usage
from leaderboard.finals import phase_close
from leaderboard.reproduction import phases_reproduce_due
from tests.support.toy import ToyBenchmark

SLUG = "toy-score"


class ScoreToy(ToyBenchmark):
    """The toy's data, scored on the number the submission writes (``score.json``), the same for every item:
    its interval is that one number, so only the same number reproduces it."""

    slug = SLUG
    title = "Toy score"

    def score(self, output_dir: Path, hidden_dir: Path, *, artifact_dir: Path, run_info: RunInfo = RunInfo()) -> Score:
        try:
            value = float(json.loads((output_dir / "score.json").read_text())["value"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ScoringError(f"score.json: {exc}") from None
        items = {"value": np.full(20, value)}
        metrics = {"accuracy": value, "errors": 0.0}
        return Score(metrics=metrics, private_metrics=metrics, items=items, private_items=items)


MAIN = """\
import argparse, json, os, pathlib
parser = argparse.ArgumentParser(); parser.add_argument("--config"); parser.add_argument("--output")
args = parser.parse_args()
{pick}
pathlib.Path(args.output, "score.json").write_text(json.dumps({{"value": value}}))
"""
DETERMINISTIC = "value = 0.75"
RANDOM = "value = 0.8 + 0.2 * int.from_bytes(os.urandom(8), 'big') / 2**64  # a new score every run"


@pytest.fixture
def score_toy(django_db_setup):
    benchmark = registry.register(ScoreToy())
    datasets.prepare(benchmark)
    try:
        yield benchmark
    finally:
        registry.unregister(SLUG)


@pytest.fixture
def four_lines(score_toy, make_phase, alice, bob, as_alice, as_bob, submit, tracking, settings):
    """A public phase of toy-score with four completed lines, best first: bob's random one, alice's
    deterministic one, two weak ones (constants); the fourth is outside the top 3."""
    settings.LB_REPRODUCE_TOP_K = 3
    phase = make_phase(benchmark=SLUG, ranks_on="public", ends_in=timedelta(hours=1))
    jobs = {}
    for client, _user, method, pick in (
        (as_bob, bob, "lucky", RANDOM),
        (as_alice, alice, "steady", DETERMINISTIC),
        (as_alice, alice, "weak", "value = 0.5"),
        (as_alice, alice, "weakest", "value = 0.25"),
    ):
        files = {"main.py": MAIN.format(pick=pick), "config.yaml": "seed: 0\n"}
        uploaded = submit(client, files, benchmark=SLUG, method=method)
        assert uploaded.status_code == 201, uploaded.json()
        job = client.post("/api/jobs", {"submission": uploaded.json()["id"]}, format="json").json()
        assert execute(job["id"]) == "completed"
        jobs[method] = Job.objects.get(pk=job["id"])
    return phase, jobs


def _rows(client) -> dict:
    return {row["method"]: row for row in client.get("/api/leaderboard", {"benchmark": SLUG}).json()["rows"]}


def test_after_the_close_the_top_three_are_rerun_and_badged(four_lines, staff, alice, bob, anonymous):
    phase, jobs = four_lines
    used_before = {user: job_rate_usage(owner=user).used for user in (alice, bob)}

    phase_close(slug=SLUG, actor=staff)

    reruns = {job.reproduces_id: job for job in Job.objects.filter(reproduces__isnull=False)}
    assert set(reruns) == {jobs["lucky"].pk, jobs["steady"].pk, jobs["weak"].pk}  # the top 3, not "weakest"
    platform = get_user_model().objects.get(username="platform")
    assert all(job.owner_id == platform.pk for job in reruns.values()) and not platform.is_active
    assert {user: job_rate_usage(owner=user).used for user in (alice, bob)} == used_before  # no one's quota
    assert _rows(anonymous)["steady"]["reproduction"]["state"] == "pending"

    for rerun in reruns.values():
        assert execute(str(rerun.pk)) == "completed"

    rows = _rows(anonymous)
    assert set(rows) == {"lucky", "steady", "weak", "weakest"}  # a re-run adds no line
    assert rows["steady"]["reproduction"]["state"] == "reproduced"
    assert rows["weak"]["reproduction"]["state"] == "reproduced"
    assert rows["weakest"]["reproduction"] is None
    lucky = rows["lucky"]["reproduction"]
    assert lucky["state"] == "not_reproduced"
    assert lucky["original_score"] == jobs["lucky"].metrics["accuracy"] != lucky["rerun_score"]
    assert (lucky["original_job"], lucky["rerun_job"]) == (str(jobs["lucky"].pk), str(reruns[jobs["lucky"].pk].pk))

    page = anonymous.get(f"/leaderboard/{SLUG}/").content.decode()
    assert "not reproduced" in page and page.count('class="badge reproduced"') == 2
    assert f"/jobs/{jobs['lucky'].pk}/" in page and f"/jobs/{reruns[jobs['lucky'].pk].pk}/" in page

    assert anonymous.get(f"/jobs/{reruns[jobs['lucky'].pk].pk}/").status_code == 200  # as public as its original
    entry = anonymous.get(f"/entries/{rows['lucky']['entry']}/").content.decode()
    assert "not reproduced" in entry and f"/jobs/{reruns[jobs['lucky'].pk].pk}/" in entry

    record = reruns[jobs["steady"].pk]
    record.refresh_from_db()
    assert record.reproducibility["reproduces"] == str(jobs["steady"].pk)
    assert record.reproducibility["worker"] and record.reproducibility["packages_lock_sha256"]
    assert "image" in record.reproducibility and jobs["steady"].reproducibility["worker"]

    # Hiding the entry hides its re-run too.
    from leaderboard.models import Entry
    from leaderboard.services import entry_hide

    entry_hide(entry=Entry.objects.get(method="lucky"), actor=staff, reason="test")
    assert anonymous.get(f"/jobs/{reruns[jobs['lucky'].pk].pk}/").status_code == 404


def test_a_phase_that_ends_on_its_own_is_rerun_once_by_the_periodic_task(four_lines):
    phase, jobs = four_lines
    later = phase.ends_at + timedelta(minutes=1)
    assert phases_reproduce_due(now=later) == 3
    assert phases_reproduce_due(now=later) == 0  # once per phase
    assert Job.objects.filter(reproduces__isnull=False).count() == 3
