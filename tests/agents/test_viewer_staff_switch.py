"""The viewer offers staff a select that makes a policy everyone's default through POST /api/models/active
(session + CSRF, as the page's script sends it); others get no such control."""

from __future__ import annotations

from django.test import Client


def test_staff_get_the_switch_and_it_works_through_the_api(staff, demo_model, depth_first_model):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff)
    page = browser.get("/agents/")
    html = page.content.decode()
    assert 'id="active-model"' in html and f'<option value="{depth_first_model.id}"' in html
    token = page.cookies["csrftoken"].value  # the page sets it for its script
    refused = browser.post("/api/models/active", {"id": depth_first_model.id}, content_type="application/json")
    assert refused.status_code == 403  # no CSRF token: a forged cross-site post does nothing
    done = browser.post(
        "/api/models/active", {"id": depth_first_model.id}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert done.status_code == 200 and done.json()["active"] is True
    depth_first_model.refresh_from_db()
    assert depth_first_model.active


def test_participants_get_no_switch(client, alice, demo_model):
    assert 'id="active-model"' not in client.get("/agents/").content.decode()
    client.force_login(alice)
    assert 'id="active-model"' not in client.get("/agents/").content.decode()
