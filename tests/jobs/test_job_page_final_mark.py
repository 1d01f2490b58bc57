"""The job page's "Mark as final" / "Unmark" control: plain form POSTs (no JavaScript), the marks left,
the API's refusals shown as messages, and the entry id the results API gives the CLI."""

from __future__ import annotations

import pytest
from django.test import Client

from leaderboard.models import FinalMark
from tests.leaderboard.conftest import entry_of, make_phase, scored  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_browser(alice) -> Client:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(alice)
    return browser


def page(browser, job) -> str:
    response = browser.get(f"/jobs/{job.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def press(browser, job, action: str, **extra):
    """Submit the page's own final form, as a browser without JavaScript would (CSRF token included)."""
    response = browser.get(f"/jobs/{job.pk}/")
    form = {
        "csrfmiddlewaretoken": response.context["csrf_token"],
        "job": str(job.pk),
        "next": f"/jobs/{job.pk}/",
        "action": action,
        **extra,
    }
    return browser.post(f"/entries/{entry_of(job).pk}/final", form)


def test_owner_marks_a_completed_job_final_and_unmarks_it(make_phase, alice, alice_browser, scored):
    make_phase(final_max=2)
    older = scored(alice, "a", 0.9, 0.5)
    job = scored(alice, "a", 0.6, 0.5)  # not the entry's best public job: the mark pins this one
    html = page(alice_browser, job)
    assert 'id="final-form"' in html and ">Mark as final</button>" in html
    assert 'id="final-remaining">2<' in html
    response = press(alice_browser, job, "mark")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    mark = FinalMark.objects.get(owner=alice)
    assert mark.job_id == job.pk and mark.entry_id == entry_of(job).pk
    html = page(alice_browser, job)
    assert "Marked final." in html and 'id="final-remaining">1<' in html and 'value="unmark">Unmark<' in html
    # The older job of the same entry offers to move the pin.
    assert "Mark this job as final instead" in page(alice_browser, older)
    assert press(alice_browser, job, "unmark").status_code == 302
    assert not FinalMark.objects.filter(owner=alice).exists()
    html = page(alice_browser, job)
    assert "Unmarked." in html and 'id="final-remaining">2<' in html


def test_limit_reached_is_shown_and_nothing_is_marked(make_phase, alice, alice_browser, scored):
    make_phase(final_max=1)
    first, second = scored(alice, "a", 0.7, 0.5), scored(alice, "b", 0.8, 0.5)
    assert press(alice_browser, first, "mark").status_code == 302
    response = press(alice_browser, second, "mark")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{second.pk}/"
    html = page(alice_browser, second)
    assert 'class="message error"' in html and "marked 1 of 1 entries final (a); unmark one first" in html
    assert list(FinalMark.objects.values_list("job_id", flat=True)) == [first.pk]
    assert 'id="final-remaining">0<' in html


@pytest.mark.parametrize("case", ["public_phase", "not_completed", "someone_else", "ended_phase"])
def test_no_control_where_no_mark_can_be_made(case, make_phase, alice, bob, scored):
    from datetime import timedelta

    if case == "public_phase":
        make_phase(ranks_on="public")
    elif case == "ended_phase":
        make_phase(starts_in=timedelta(days=-2), ends_in=timedelta(days=-1))
    else:
        make_phase()
    job = scored(alice, "a", 0.7, 0.5, status="running" if case == "not_completed" else "completed")
    browser = Client()
    browser.force_login(bob if case == "someone_else" else alice)
    response = browser.get(f"/jobs/{job.pk}/")
    if response.status_code == 200:  # bob sees a public entry's page, without the control
        assert 'id="final-form"' not in response.content.decode()
    else:
        assert case == "someone_else" and response.status_code == 404


def test_the_form_redirects_only_back_into_this_site(make_phase, alice, alice_browser, scored):
    make_phase()
    job = scored(alice, "a", 0.7, 0.5)
    response = press(alice_browser, job, "mark", next="https://evil.example/phish")
    assert response.status_code == 302 and response["Location"] == f"/entries/{entry_of(job).pk}/"


def test_results_api_names_the_entry_a_job_counts_towards(make_phase, alice, as_alice, scored):
    make_phase()
    job = scored(alice, "a", 0.7, 0.5)
    data = as_alice.get(f"/api/jobs/{job.pk}/results").json()
    assert data["entry"] == entry_of(job).pk
    assert as_alice.post(f"/api/entries/{data['entry']}/final", {"job": str(job.pk)}, format="json").status_code == 200
