"""Who the client is, decided once per request from the hops we trust.

The one rule (``client_address``): start at the TCP peer (``REMOTE_ADDR``, set by
the server from the socket, never from a header). If the peer is one of
``LB_TRUSTED_PROXIES`` (CIDRs), it speaks for the hop before it: the last entry
of ``X-Forwarded-For`` (each proxy appends the address it received from). Walk
the header from the right while every hop is trusted; the first untrusted hop is
the client. A header from an untrusted peer is never read, and ``X-Real-IP`` is
never read at all (any client can send one). An entry to the left of an
untrusted hop was written by that hop, so it is never believed either.

A peer reached over a Unix socket has no address (gunicorn leaves ``REMOTE_ADDR``
empty): that is the proxy ``scripts/serve.sh`` started in front of it, the only
process that connects to the socket in its private run folder, so it is trusted.

``ClientAddressMiddleware`` runs the rule early and writes the answer where every
reader looks: ``request.client_ip`` and ``REMOTE_ADDR`` (DRF's throttles,
allauth's rate limits through ``accounts.adapters``, ``/metrics``' allow-list and
the request log). The peer stays in ``request.META["LB_PEER_ADDR"]``.

``X-Forwarded-Proto`` is likewise believed only from a trusted peer: Django's
``SECURE_PROXY_SSL_HEADER`` would believe it from anyone.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"
FORWARDED_FOR = "HTTP_X_FORWARDED_FOR"
PEER = "LB_PEER_ADDR"
# More hops than any real chain of proxies: a longer header is a client's padding.
MAX_HOPS = 20


@functools.lru_cache(maxsize=8)
def _parsed(items: tuple[str, ...]) -> tuple[ipaddress._BaseNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def _networks() -> tuple[ipaddress._BaseNetwork, ...]:
    # Parsed once per value: every request asks.
    return _parsed(tuple(settings.LB_TRUSTED_PROXIES))


def _ip(text: str) -> ipaddress._BaseAddress | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(ip, "ipv4_mapped", None)  # ::ffff:10.0.0.1 is 10.0.0.1
    return mapped or ip


def is_trusted_proxy(address: str) -> bool:
    """Is ``address`` (a peer or a forwarded hop) one of LB_TRUSTED_PROXIES? Empty: the Unix-socket proxy."""
    if address == "":
        return True
    ip = _ip(address)
    return ip is not None and any(ip.version == net.version and ip in net for net in _networks())


def client_address(peer: str, forwarded_for: str | None) -> str:
    """The client's address: ``peer``, or the first untrusted hop of ``forwarded_for`` walked from the right."""
    if not is_trusted_proxy(peer) or not forwarded_for:
        return peer
    client = peer
    hops = [hop.strip() for hop in forwarded_for.split(",")][-MAX_HOPS:]
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            # A trusted proxy writes addresses; garbage came from the client side of the
            # last trusted hop, which is then the best we know.
            return client
        client = str(ip)
        if not is_trusted_proxy(client):
            return client
    return client  # every hop trusted: the leftmost is the client (a proxy calling us itself)


def client_ip(request: HttpRequest) -> str:
    """The one client address of ``request`` (set by ClientAddressMiddleware; the peer before it runs)."""
    address = getattr(request, "client_ip", None)
    if address is None:
        address = client_address(request.META.get("REMOTE_ADDR", ""), request.META.get(FORWARDED_FOR))
    return address


class ClientAddressMiddleware:
    """Sets ``request.client_ip`` and ``REMOTE_ADDR`` to the client; drops ``X-Forwarded-Proto`` from strangers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        meta = request.META
        peer = meta.get(PEER)
        if peer is None:  # not twice: a second pass would walk the header again from the client
            peer = meta[PEER] = meta.get("REMOTE_ADDR", "")
        if FORWARDED_PROTO in meta and not is_trusted_proxy(peer):
            del meta[FORWARDED_PROTO]
        request.client_ip = meta["REMOTE_ADDR"] = client_address(peer, meta.get(FORWARDED_FOR))
        return self.get_response(request)


# The name settings used before the client address moved here.
TrustedProxyMiddleware = ClientAddressMiddleware
