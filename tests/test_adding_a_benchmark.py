"""docs/architecture.md, "Adding a benchmark", followed step by step for a copy of the toy benchmark.

The steps: a module with a ``Benchmark`` subclass and a ``benchmarks()`` factory (here written into a
temporary folder, as a new ``benchmarks/<name>/`` package would be), its ``module:factory`` spec added to
``LB_BENCHMARKS`` (loaded by ``core``'s ``AppConfig.ready``, as at start-up), ``manage.py bootstrap`` to
prepare its data, then one upload → job → board through the real API, sandbox, scorer and MLflow.
"""

from __future__ import annotations

import io
import textwrap

import pytest
from django.apps import apps
from django.core.management import call_command

from benchmarks import registry
from jobs.runner import execute
from jobs.scoring import datasets
from jobs.services import job_enqueue
from leaderboard.models import BenchmarkState
from tests.conftest import toy_files

SLUG = "parity-copy"
MODULE = "lb_parity_copy"
SOURCE = f'''
"""A copy of the toy benchmark under its own slug (what a new benchmarks/<name>/__init__.py holds)."""
from tests.support.toy import ToyBenchmark


class ParityCopy(ToyBenchmark):
    slug = "{SLUG}"
    title = "Parity, again"


def benchmarks(**_options):
    return [ParityCopy()]
'''


@pytest.fixture
def registered_copy(settings, tmp_path, monkeypatch):
    (tmp_path / f"{MODULE}.py").write_text(textwrap.dedent(SOURCE))
    monkeypatch.syspath_prepend(str(tmp_path))
    settings.LB_BENCHMARKS = [*settings.LB_BENCHMARKS, f"{MODULE}:benchmarks"]
    apps.get_app_config("core").ready()  # what start-up does with LB_BENCHMARKS
    try:
        yield registry.get(SLUG)
    finally:
        registry.unregister(SLUG)


def test_a_copy_of_the_toy_benchmark_registered_by_settings_runs_a_job_onto_its_board(
    registered_copy, alice, as_alice, submit, tracking
):
    assert SLUG in {b["slug"] for b in as_alice.get("/api/benchmarks").json()["results"]}

    out = io.StringIO()
    call_command("bootstrap", stdout=out)
    assert f"{SLUG}: prepared" in out.getvalue()
    public_dir, hidden_dir = datasets.ready_dirs(registered_copy)
    assert (public_dir / "numbers.json").is_file() and (hidden_dir / "truth.json").is_file()
    assert BenchmarkState.objects.filter(slug=SLUG).exists()

    response = submit(as_alice, toy_files(config="flip: 1\n"), benchmark=SLUG, method="copy-check")
    assert response.status_code == 201, response.json()
    job, created = job_enqueue(owner=alice, submission_id=response.json()["id"])
    assert created and job.benchmark == SLUG

    assert execute(str(job.pk)) == "completed"
    job.refresh_from_db()
    assert job.metrics["errors"] + job.private_metrics["errors"] == 1

    board = as_alice.get("/api/leaderboard", {"benchmark": SLUG}).json()
    assert board["benchmark"] == SLUG and board["primary_metric"] == "accuracy"
    assert [row["method"] for row in board["rows"]] == ["copy-check"], board
