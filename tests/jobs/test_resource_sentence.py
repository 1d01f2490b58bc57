"""The job page states its resource class as a sentence ("small: 900 s, 8 GiB, 2 CPUs, 1 GPU"),
never as a Python dict."""

from __future__ import annotations

from jobs.resources import describe_resources
from jobs.services import job_enqueue


def test_sentence_of_a_class():
    spec = {"timeout_s": 900, "memory_mb": 8192, "cpus": 2, "gpus": 1, "max_procs": 512}
    assert describe_resources("small", spec) == "small: 900 s, 8 GiB, 2 CPUs, 1 GPU"
    one = {"timeout_s": 60, "memory_mb": 512, "cpus": 1, "gpus": 0}
    assert describe_resources("tiny", one) == "tiny: 60 s, 512 MiB, 1 CPU, no GPU"
    assert describe_resources("gone", None) == "gone"


def test_job_page_shows_the_sentence(client, alice, as_alice, submit, prepared_toy, settings):
    settings.LB_RESOURCE_CLASSES = {
        "small": {"timeout_s": 900, "memory_mb": 8192, "cpus": 2, "gpus": 1, "max_procs": 512, "max_output_mb": 64}
    }
    submission = submit(as_alice).json()["id"]
    job = job_enqueue(owner=alice, submission_id=submission, resource_class="small")[0]
    client.force_login(alice)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert '<span id="job-resources">small: 900 s, 8 GiB, 2 CPUs, 1 GPU</span>' in page
    assert "{&#x27;timeout_s&#x27;" not in page and "{'timeout_s'" not in page
