"""The submit form's "Training seeds" field queues one job per seed as one group; a count above the
benchmark's cap is shown beside the field."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jobs.models import Job
from tests.conftest import toy_files, zip_bytes


@pytest.fixture
def browser(client, alice, prepared_toy):
    client.force_login(alice)
    return client


def _form(seeds) -> dict:
    return {
        "method": "seeded",
        "entrypoint": "main.py",
        "config_file": "config.yaml",
        "resource_class": "small",
        "seeds": str(seeds),
        "archive": SimpleUploadedFile("m.zip", zip_bytes(toy_files()), content_type="application/zip"),
    }


def test_three_seeds_from_the_form(browser, alice):
    response = browser.post("/benchmarks/toy/submit", _form(3))
    assert response.status_code == 302
    jobs = list(Job.objects.filter(owner=alice).order_by("train_seed"))
    assert [job.train_seed for job in jobs] == [0, 1, 2]
    assert len({job.seed_group for job in jobs}) == 1 and jobs[0].seed_group is not None
    assert response["Location"] == f"/jobs/{jobs[0].pk}/"


def test_too_many_seeds_is_shown_beside_the_field(browser, alice):
    from benchmarks import registry

    response = browser.post("/benchmarks/toy/submit", _form(registry.get("toy").max_seeds + 1))
    assert response.status_code == 400
    match = re.search(r'<span class="error" data-for="seeds"[^>]*>(.*?)</span>', response.content.decode(), re.S)
    assert match and "seeds must be an integer from 1 to" in match.group(1)
    assert not Job.objects.filter(owner=alice).exists()
