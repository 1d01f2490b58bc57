"""A bearer JWT naming a key id the JWKS lacks makes at most one JWKS fetch per
OIDC_JWKS_MIN_REFRESH_S, however many such tokens arrive (a JWKS server on loopback counts)."""

from __future__ import annotations

from accounts import oidc
from tests.accounts.test_oidc import jwks, me, token  # noqa: F401 (jwks: the loopback JWKS fixture)


class Counting:
    """Counts the JWKS server's GETs by wrapping the fixture's key set (what the handler serves)."""

    def __init__(self, keys):
        self.keys, self.count = keys, 0
        original = keys.jwks

        def counted() -> bytes:
            self.count += 1
            return original()

        keys.jwks = counted


class FakeClock:
    """``accounts.oidc``'s view of ``time``: a monotonic clock the test moves, so the
    interval is checked exactly, however slowly a loaded machine makes keys and requests."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


def test_unknown_key_ids_fetch_the_jwks_at_most_once_per_interval(db, jwks, settings, monkeypatch):  # noqa: F811
    settings.OIDC_JWKS_MIN_REFRESH_S = 60.0
    clock = FakeClock()
    monkeypatch.setattr(oidc, "time", clock)
    fetches = Counting(jwks)
    assert me(token(jwks)).status_code == 200
    assert fetches.count == 1  # the first fetch
    # Keys the server publishes from now on, so a fetch would find each and let its token in.
    for kid in ["k-other", *(f"junk-{n}" for n in range(20))]:
        jwks.add(kid)
    tokens = [token(jwks, kid=f"junk-{n}") for n in range(20)]
    clock.now += 59.0  # still inside the interval
    for raw in tokens:
        response = me(raw)
        assert response.status_code == 401 and "unknown key id" in response.json()["detail"]
    assert fetches.count == 1, "an unknown key id fetched the JWKS within the interval"
    clock.now += 1.5  # past the interval: a rotated-in key is found with one fetch
    assert me(token(jwks, kid="k-other")).status_code == 200
    assert fetches.count == 2 and oidc.jwks_client().fetches == 2
