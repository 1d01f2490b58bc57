"""Trust ``X-Forwarded-Proto`` only from the reverse proxies named in ``LB_TRUSTED_PROXIES``.

Django's ``SECURE_PROXY_SSL_HEADER`` believes the header from anyone. Behind
a TLS-terminating proxy that is right for the proxy and wrong for a client
that reaches the app directly (and could claim ``https`` to dodge the
redirect). This middleware, placed before ``SecurityMiddleware``, drops the
header unless the peer address is a trusted proxy.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

FORWARDED_PROTO = "HTTP_X_FORWARDED_PROTO"


@functools.lru_cache(maxsize=8)
def _parsed(items: tuple[str, ...]) -> tuple[ipaddress._BaseNetwork, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in items)


def _networks() -> tuple[ipaddress._BaseNetwork, ...]:
    # Parsed once per value: behind the proxy every request carries X-Forwarded-Proto.
    return _parsed(tuple(settings.LB_TRUSTED_PROXIES))


def is_trusted_proxy(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks())


class TrustedProxyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if FORWARDED_PROTO in request.META and not is_trusted_proxy(request.META.get("REMOTE_ADDR", "")):
            del request.META[FORWARDED_PROTO]
        return self.get_response(request)
