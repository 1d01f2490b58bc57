"""A small OpenID Connect provider for tests: discovery, authorization code flow with a
one-click consent page, token endpoint, userinfo and JWKS, signing with a key made here."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class Issuer:
    def __init__(self, *, client_id: str, client_secret: str, claims: dict):
        self.client_id, self.client_secret = client_id, client_secret
        self.claims = claims  # who signs in: sub, preferred_username, ...
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(4)
        self.codes: dict[str, dict] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.token_requests = 0

    def start(self) -> Issuer:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    def jwt(self, audience: str | None = None, **extra) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": audience or self.client_id,
            "iat": now,
            "exp": now + 300,
            **self.claims,
            **extra,
        }
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    def _handler(self):
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def _json(self, body: dict, status: int = 200):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                if parts.path == "/.well-known/openid-configuration":
                    return self._json(
                        {
                            "issuer": issuer.url,
                            "authorization_endpoint": issuer.url + "/authorize",
                            "token_endpoint": issuer.url + "/token",
                            "userinfo_endpoint": issuer.url + "/userinfo",
                            "jwks_uri": issuer.url + "/jwks",
                            "response_types_supported": ["code"],
                            "subject_types_supported": ["public"],
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "token_endpoint_auth_methods_supported": ["client_secret_post"],
                        }
                    )
                if parts.path == "/jwks":
                    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(issuer.key.public_key()))
                    return self._json({"keys": [{**jwk, "kid": issuer.kid, "use": "sig", "alg": "RS256"}]})
                if parts.path == "/authorize":
                    if query.get("client_id") != issuer.client_id:
                        return self._json({"error": "unauthorized_client"}, 400)
                    code = secrets.token_urlsafe(16)
                    issuer.codes[code] = {"nonce": query.get("nonce"), "redirect_uri": query["redirect_uri"]}
                    target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})
                    page = (
                        f"<!doctype html><title>Test issuer</title><p>Sign in to leaders-board as "
                        f'{issuer.claims.get("preferred_username")}?</p><a id="consent" href="{target}">'
                        f"Allow</a>"
                    ).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(page)))
                    self.end_headers()
                    return self.wfile.write(page)
                if parts.path == "/userinfo":
                    return self._json(issuer.claims)
                return self._json({"error": "not_found"}, 404)

            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                if urlsplit(self.path).path != "/token":
                    return self._json({"error": "not_found"}, 404)
                issuer.token_requests += 1
                grant = issuer.codes.pop(form.get("code", ""), None)
                if (
                    grant is None
                    or form.get("client_id") != issuer.client_id
                    or form.get("client_secret") != issuer.client_secret
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    return self._json({"error": "invalid_grant"}, 400)
                extra = {"nonce": grant["nonce"]} if grant["nonce"] else {}
                return self._json(
                    {
                        "access_token": secrets.token_urlsafe(24),
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": issuer.jwt(**extra),
                    }
                )

            def log_message(self, *args):
                pass

        return Handler
