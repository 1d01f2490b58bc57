"""``lb`` with a wrong, malformed or expired token names it: ``error: invalid_token: ...``, exit 2,
over real HTTP (a live server), never "credentials were not provided"."""

from __future__ import annotations

import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from typer.testing import CliRunner

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "cli"))  # this checkout's client

pytestmark = pytest.mark.django_db(transaction=True)


def lb(live_server, tmp_path, token: str, *args):
    from lb_cli.main import app

    env = {"LB_URL": live_server.url, "LB_TOKEN": token, "LB_CONFIG": str(tmp_path / "none.json")}
    return CliRunner().invoke(app, list(args), env=env)


def _one_line(result) -> str:
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.mark.parametrize("token", ["lb_wrong", "not-even-ours", "lb_000000000000_" + "x" * 30])
def test_a_wrong_token_is_named(live_server, tmp_path, token):
    line = _one_line(lb(live_server, tmp_path, token, "jobs"))
    assert line.startswith("error: invalid_token: Invalid token"), line


def test_an_expired_token_is_named_and_says_expired(live_server, tmp_path, alice):
    from accounts.models import ApiToken

    ApiToken.objects.filter(user=alice).update(expires_at=timezone.now() - timedelta(seconds=1))
    line = _one_line(lb(live_server, tmp_path, alice.raw_token, "jobs"))
    assert line.startswith("error: invalid_token: Token ") and "expired" in line, line


def test_the_right_token_still_works(live_server, tmp_path, alice):
    assert lb(live_server, tmp_path, alice.raw_token, "jobs").exit_code == 0
