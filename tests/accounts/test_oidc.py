"""OIDC bearer JWTs verified against a JWKS served on loopback, keys made here."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts import oidc
from tests.conftest import client_for

ISSUER = "https://issuer.test"
AUDIENCE = "leaders-board"


class Keys:
    def __init__(self):
        self.current = []  # [(kid, private_key)]

    def add(self, kid):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.current.append((kid, key))
        return key

    def jwks(self) -> bytes:
        keys = []
        for kid, key in self.current:
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            keys.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
        return json.dumps({"keys": keys}).encode()


@pytest.fixture
def jwks(settings):
    keys = Keys()
    keys.add("k1")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = keys.jwks()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.OIDC_ISSUER, settings.OIDC_AUDIENCE = ISSUER, AUDIENCE
    settings.OIDC_JWKS_URL = f"http://127.0.0.1:{server.server_port}/jwks.json"
    oidc._jwks_client.cache_clear()
    yield keys
    server.shutdown()


def token(keys, *, kid="k1", alg="RS256", **claims):
    key = dict(keys.current)[kid]
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "u-1",
        "preferred_username": "oidc-dana",
        "exp": now + 300,
        "iat": now,
        **claims,
    }
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid})


def me(raw):
    client = client_for(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client.get("/api/me")


def test_valid_jwt_maps_to_a_user(db, jwks):
    response = me(token(jwks))
    assert response.status_code == 200 and response.json()["username"] == "oidc-dana"


@pytest.mark.parametrize(
    "claims",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.test"},
        {"exp": int(time.time()) - 3600},
        {"nbf": int(time.time()) + 3600},
    ],
)
def test_bad_claims_are_refused(db, jwks, claims):
    assert me(token(jwks, **claims)).status_code == 401


def test_alg_none_is_refused(db, jwks):
    unsigned = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60},
        None,
        algorithm="none",
        headers={"kid": "k1"},
    )
    assert me(unsigned).status_code == 401


def test_hmac_with_the_public_key_is_refused(db, jwks):
    forged = jwt.encode(
        {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 60},
        "any-shared-secret-of-enough-length-000000",
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    assert me(forged).status_code == 401


def test_key_rotation_refreshes_the_cached_jwks(db, jwks, settings):
    settings.OIDC_JWKS_MIN_REFRESH_S = 0.5  # unknown key ids refetch at most this often
    assert me(token(jwks)).status_code == 200  # caches k1
    jwks.add("k2")
    time.sleep(0.6)
    assert me(token(jwks, kid="k2")).status_code == 200


def test_oidc_off_without_settings(db, settings):
    settings.OIDC_ISSUER = ""
    assert me("eyJhbGciOiJSUzI1NiJ9.e30.sig").status_code == 401
