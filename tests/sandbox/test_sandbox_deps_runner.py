"""The runner's dependency step, end to end: a job with requirements.txt, the run's own sandbox."""

from __future__ import annotations

import pytest
from deps_packages import build_wheel, package_index  # noqa: F401 (fixture)
from django.conf import settings as django_settings

from jobs import logs
from jobs.models import Job
from jobs.runner import execute
from jobs.services import job_enqueue
from tests.conftest import TOY_MAIN, toy_files

IMPORTS_IT = "import lbtinypkg\nprint('lbtinypkg', lbtinypkg.VERSION, flush=True)\n" + TOY_MAIN


@pytest.fixture
def make_job(alice, as_alice, submit, prepared_toy, package_index):
    build_wheel(package_index, "lbtinypkg", "0.1")

    def make(requirements: str, main: str = IMPORTS_IT) -> Job:
        response = submit(as_alice, toy_files(main=main, extra={"requirements.txt": requirements}))
        assert response.status_code == 201, response.json()
        job, created = job_enqueue(owner=alice, submission_id=response.json()["id"])
        assert created
        return job

    return make


def test_a_job_runs_with_its_installed_requirements(make_job, tracking, alice):
    job = make_job("lbtinypkg==0.1\n")
    assert execute(str(job.pk)) == "completed", Job.objects.get(pk=job.pk).error
    text = logs.read_chunk(job.pk).text
    assert "without network" in text and "lbtinypkg 0.1" in text
    layers = [p for p in (django_settings.DATA_DIR / "envs").iterdir() if p.name.endswith(".complete")]
    assert layers, "no dependency layer was cached"


def test_a_refused_requirements_line_is_the_submissions_fault(make_job, tracking):
    job = make_job("lbtinypkg==0.1\n--index-url http://127.0.0.1:6379/simple\n")
    assert execute(str(job.pk)) == "failed"
    job.refresh_from_db()
    assert job.failure_kind == "submission"
    assert "only package requirements" in job.error
