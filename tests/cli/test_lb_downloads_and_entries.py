"""``lb submit`` with a method card, ``lb download JOB`` (byte for byte, someone else's is an error) and
``lb entry JOB --unlist`` over real HTTP (a live server)."""

from __future__ import annotations

import sys

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from tests.conftest import ROOT, toy_files, zip_bytes

sys.path.insert(0, str(ROOT / "cli"))  # this checkout's client

pytestmark = pytest.mark.django_db(transaction=True)


def lb(live_server, tmp_path, user, *args):
    from lb_cli.main import app

    env = {"LB_URL": live_server.url, "LB_TOKEN": user.raw_token, "LB_CONFIG": str(tmp_path / "none.json")}
    return CliRunner().invoke(app, list(args), env=env)


def test_submit_with_a_card_download_and_unlist(live_server, tmp_path, alice, bob, prepared_toy, settings):
    from jobs.models import Job, JobStatus
    from leaderboard.models import Entry
    from leaderboard.receivers import enter_completed_job

    settings.LB_RATELIMIT_ENABLE = False
    archive = tmp_path / "sub.zip"
    archive.write_bytes(zip_bytes(toy_files()))
    card = tmp_path / "card.md"
    card.write_text("# Parity\n\nFlips nothing.\n")
    submitted = lb(
        live_server, tmp_path, alice, "submit", str(archive), "-b", "toy", "-m", "parity",
        "--description-file", str(card), "--paper", "https://arxiv.org/abs/1", "--code", "https://git.example/p",
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    job = Job.objects.get()
    assert (job.submission.description, job.submission.paper_url) == (card.read_text(), "https://arxiv.org/abs/1")

    target = tmp_path / "back.zip"
    downloaded = lb(live_server, tmp_path, alice, "download", str(job.pk), "-o", str(target))
    assert downloaded.exit_code == 0, downloaded.output
    assert target.read_bytes() == archive.read_bytes()
    refused = lb(live_server, tmp_path, bob, "download", str(job.pk), "-o", str(tmp_path / "no.zip"))
    assert refused.exit_code == 2 and "error: not_found:" in refused.output
    assert not (tmp_path / "no.zip").exists()

    Job.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED, finished_at=timezone.now())
    enter_completed_job(sender=None, job=Job.objects.get(pk=job.pk))
    unlisted = lb(live_server, tmp_path, alice, "entry", str(job.pk), "--unlist")
    assert unlisted.exit_code == 0 and "is unlisted" in unlisted.output, unlisted.output
    entry = Entry.objects.get()
    assert entry.unlisted and entry.paper_url == "https://arxiv.org/abs/1"
    assert lb(live_server, tmp_path, bob, "entry", str(job.pk), "--unlist").exit_code == 2


def test_submit_as_a_team(live_server, tmp_path, alice, bob, prepared_toy, settings):
    from jobs.models import Job
    from teams.services import team_create

    settings.LB_RATELIMIT_ENABLE = False
    team = team_create(user=alice, name="Lab Nine")
    archive = tmp_path / "sub.zip"
    archive.write_bytes(zip_bytes(toy_files()))
    submitted = lb(live_server, tmp_path, alice, "submit", str(archive), "-b", "toy", "-m", "m", "--team", "lab nine")
    assert submitted.exit_code == 0, submitted.output
    assert Job.objects.get().team_id == team.pk
    refused = lb(live_server, tmp_path, bob, "submit", str(archive), "-b", "toy", "-m", "m", "--team", "Lab Nine")
    assert refused.exit_code == 2 and "error: not_in_team:" in refused.output
