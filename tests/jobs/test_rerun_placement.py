"""A platform re-run goes to another host than its original's where the pool has one: a worker on the
original's host hands it back (twice at most); with no other live host it runs there."""

from __future__ import annotations

from jobs.models import Job, JobStatus
from jobs.placement import should_step_aside
from jobs.runner import execute
from jobs.selectors import pool_for
from tests.jobs.conftest import make_job, make_submission


def _pair(user):
    submission = make_submission(user)
    original = make_job(user, submission, JobStatus.COMPLETED, worker="host-a:5")
    rerun = make_job(user, submission, JobStatus.PENDING, reproduces=original)
    return original, rerun


def test_a_worker_on_the_original_host_hands_the_rerun_back(alice, live_worker, settings):
    _, rerun = _pair(alice)
    live_worker(pools=[pool_for("small")], name="host-b:7")
    settings.LB_WORKER_HOST = "host-a"

    assert execute(str(rerun.pk)) == "released"
    rerun.refresh_from_db()
    assert rerun.status == JobStatus.PENDING and rerun.attempts == 1 and rerun.worker == ""


def test_the_same_host_runs_it_when_no_other_is_alive_or_after_two_tries(alice, live_worker):
    original, rerun = _pair(alice)
    live_worker(pools=[pool_for("small")], name="host-a:9")
    rerun.attempts = 1
    assert not should_step_aside(rerun, "host-a:9")  # the only live host of the pool
    live_worker(pools=[pool_for("small")], name="host-b:7")
    assert should_step_aside(rerun, "host-a:9")
    assert not should_step_aside(rerun, "host-b:7")  # another host: it runs
    rerun.attempts = 3
    assert not should_step_aside(rerun, "host-a:9")  # two hand-backs at most
    ordinary = Job.objects.filter(pk=original.pk).get()
    assert not should_step_aside(ordinary, "host-a:9")  # only re-runs are steered
