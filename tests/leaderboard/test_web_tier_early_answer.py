"""scripts/serve.sh: an upload answered before its body is read (a bad token) gets that answer.

gunicorn's sync workers close a connection without reading what is left of a body the
application never asked for. Streamed to gunicorn unbuffered, the rest of such a body then
met a closed socket and nginx answered 502 in place of the application's 401; with nginx
holding the whole body first, the client must get the 401 every time.
"""

from __future__ import annotations

import os

import pytest
import requests

from tests.support.webtier import start_web_tier


@pytest.fixture
def tier(tmp_path):
    tier = start_web_tier(tmp_path, LB_WEB_WORKERS="1")
    yield tier
    tier.stop()


@pytest.mark.parametrize("size", [64 * 1024, 4 * 1024 * 1024])
def test_an_upload_with_a_bad_token_gets_401_not_a_proxy_error(tier, size):
    archive = os.urandom(size)
    answers = []
    for _ in range(10):
        response = requests.post(
            f"{tier.url}/api/submissions",
            headers={"Authorization": "Bearer lb_bad_token"},
            data={"benchmark": "toy", "method": "early"},
            timeout=30,
            files={"archive": ("s.zip", archive, "application/zip")},
        )
        answers.append(response.status_code)
    assert answers == [401] * 10
    assert response.json()["error"]
