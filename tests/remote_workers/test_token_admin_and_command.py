"""Worker tokens are made by staff in admin (shown once) or with issue_worker_token; only a hash is kept."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command

from remote_workers.models import WorkerToken

pytestmark = pytest.mark.django_db


def test_issue_worker_token_prints_it_once_and_keeps_a_hash():
    out = io.StringIO()
    call_command("issue_worker_token", "--pools", "default", "--name", "lab-b", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    token = WorkerToken.objects.get()
    assert raw.startswith(f"lbw_{token.prefix}_") and token.pools == ["default"] and token.name == "lab-b"
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in str(vars(token))

    call_command("issue_worker_token", "--revoke", token.prefix, stdout=io.StringIO())
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_staff_make_a_token_in_admin_and_see_it_once(staff, client):
    client.force_login(staff)
    response = client.post(
        "/admin/remote_workers/workertoken/add/", {"name": "lab-c gpu-02", "pools": '["default"]'}, follow=True
    )
    assert response.status_code == 200
    token = WorkerToken.objects.get()
    shown = [str(m) for m in get_messages(response.wsgi_request) if f"lbw_{token.prefix}_" in str(m)]
    assert len(shown) == 1 and token.created_by == staff and token.pools == ["default"]
    raw = shown[0].rsplit(" ", 1)[-1]
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
