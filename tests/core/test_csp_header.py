"""Every page carries a Content-Security-Policy that allows what the pages use and no more.
(The browser tests, tests/**/test_*browser*.py, load the pages under it and fail on console errors.)"""

from __future__ import annotations

import re

import pytest


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part}


@pytest.mark.parametrize("path", ["/", "/api/benchmarks", "/accounts/login/", "/leaderboard/toy/"])
def test_pages_and_api_carry_the_policy(client, db, path):
    policy = _policy(client.get(path))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["style-src"] == ["'self'"]  # no nonce unless the page asked for one
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


def test_the_browsable_apis_inline_style_carries_the_nonce(client, db):
    response = client.get("/api/benchmarks", HTTP_ACCEPT="text/html")
    nonce = re.search(r"'nonce-([^']+)'", _policy(response)["style-src"][1]).group(1)
    assert f'<style nonce="{nonce}">'.encode() in response.content
    assert b"<style>" not in response.content


def test_the_api_docs_page_adds_only_its_cdn(client, db):
    response = client.get("/api/docs/")
    policy = _policy(response)
    assert "https://cdn.jsdelivr.net" in policy["script-src"] and "'unsafe-inline'" not in policy["script-src"]
    assert b"<script>" not in response.content  # its init script comes from this origin (?script)
    script = client.get("/api/docs/?script")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_a_response_with_its_own_policy_keeps_it(client, db):
    """The job pictures set a stricter one of their own (jobs/views.py)."""
    from csp.middleware import CSPMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    own = HttpResponse("x")
    own["Content-Security-Policy"] = "default-src 'none'"
    request = RequestFactory().get("/jobs/x/pictures/p.png")
    CSPMiddleware(lambda r: own).process_request(request)
    assert (
        CSPMiddleware(lambda r: own).process_response(request, own)["Content-Security-Policy"] == "default-src 'none'"
    )
