"""A method card (description, paper URL, code URL) set at upload, edited by the owner, shown safely:
a ``<script>`` in a description is inert on the entry page; the JSON carries the card, the CSV its URLs."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.utils import timezone

from jobs.models import Job, JobStatus
from leaderboard.models import Entry
from leaderboard.receivers import enter_completed_job
from submissions.models import Submission

HOSTILE = (
    'Our **method**.\n\n<script>alert("card")</script>\n\n<img src=x onerror="alert(2)">\n[x](javascript:alert(3))'
)


class _Tags(HTMLParser):
    """Every element and attribute a browser would build from the page's card."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.names.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


def _complete(submission: Submission) -> Job:
    job = Job.objects.create(
        submission=submission,
        owner=submission.owner,
        benchmark="toy",
        resource_class="small",
        status=JobStatus.COMPLETED,
        finished_at=timezone.now(),
        metrics={"accuracy": 0.9, "errors": 1.0},
    )
    enter_completed_job(sender=None, job=job)
    return job


@pytest.fixture
def carded_entry(as_alice, submit, prepared_toy) -> Entry:
    response = submit(
        as_alice, description=HOSTILE, paper_url="https://arxiv.org/abs/1234.5678", code_url="https://git.example/m"
    )
    assert response.status_code == 201, response.content
    assert response.json()["paper_url"] == "https://arxiv.org/abs/1234.5678"
    _complete(Submission.objects.get(pk=response.json()["id"]))
    return Entry.objects.get(method="parity")


def test_a_script_in_a_description_is_inert_on_the_entry_page(carded_entry, alice):
    html = Client().get(f"/entries/{carded_entry.pk}/").content.decode()
    card = html.split('<section id="method-card">', 1)[1].split("</section>", 1)[0]
    assert "<strong>method</strong>" in card  # the Markdown is rendered
    tags = _Tags()
    tags.feed(card)
    assert "script" not in tags.names and "img" not in tags.names
    assert not [name for name, _ in tags.attributes if name.startswith("on")]  # no event handler
    assert {value for name, value in tags.attributes if name == "href"} == {
        "https://arxiv.org/abs/1234.5678",
        "https://git.example/m",
    }  # the javascript: link is text
    assert "&lt;script&gt;" in card  # shown as text, not run
    assert 'href="https://arxiv.org/abs/1234.5678"' in card


def test_the_board_json_carries_the_card_and_the_csv_only_its_urls(carded_entry, anonymous):
    row = anonymous.get("/api/leaderboard", {"benchmark": "toy"}).json()["rows"][0]
    assert row["card"] == {
        "description": HOSTILE,
        "paper_url": "https://arxiv.org/abs/1234.5678",
        "code_url": "https://git.example/m",
    }
    text = anonymous.get("/api/leaderboard", {"benchmark": "toy", "format": "csv"}).content.decode()
    record = next(csv.DictReader(io.StringIO(text)))
    assert (record["paper_url"], record["code_url"]) == ("https://arxiv.org/abs/1234.5678", "https://git.example/m")
    assert "description" not in record and "alert" not in text
    board_html = Client().get("/leaderboard/toy/").content.decode()
    assert 'class="card-link" href="https://arxiv.org/abs/1234.5678"' in board_html


def test_the_owner_edits_the_card_and_no_one_else_can(carded_entry, as_alice, as_bob, as_staff):
    url = f"/api/entries/{carded_entry.pk}"
    response = as_alice.patch(url, {"description": "v2", "code_url": ""}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["description"], response.json()["code_url"]) == ("v2", "")
    assert response.json()["paper_url"] == "https://arxiv.org/abs/1234.5678"  # untouched
    for other in (as_bob, as_staff):
        assert other.patch(url, {"description": "mine now"}, format="json").status_code == 404
    carded_entry.refresh_from_db()
    assert carded_entry.description == "v2"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "//evil.example/x", "ftp://x.example/"])
def test_a_non_http_link_is_refused_at_upload_and_at_edit(url, as_alice, submit, prepared_toy, carded_entry):
    response = submit(as_alice, method="other", paper_url=url)
    assert response.status_code == 400 and response.json()["error"] == "bad_url"
    edit = as_alice.patch(f"/api/entries/{carded_entry.pk}", {"code_url": url}, format="json")
    assert edit.status_code == 400 and edit.json()["error"] == "bad_url"
