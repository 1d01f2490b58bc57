"""The web tier's question before it accepts a large body: is this request signed in?

nginx (``deploy/nginx-web.conf.template``) asks this view with an ``auth_request``
subrequest, headers only, before it reads the body of a request to an upload path
(``/api/submissions``, ``/api/models``, a benchmark's submit form): 204 lets nginx
read the body (up to ``LB_UPLOAD_MAX_BYTES``), 401 ends the request there, the body
unread and never buffered to nginx's disk. An attacker can send any ``Authorization``
header; only the application can say whether it is valid, so it is asked.

Safe methods pass: the gate is about bodies, and a ``GET`` of an upload path (the
submit form itself) is answered by the application as usual.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class UploadGateView(APIView):
    """204 when the original request (method in ``X-Original-Method``) may send a large body, else 401."""

    permission_classes = [AllowAny]  # decided below, after authentication ran
    throttle_classes: list = []  # one per upload, behind the upload's own throttle

    @extend_schema(exclude=True)
    def get(self, request: Request) -> Response:
        method = request.headers.get("X-Original-Method", "POST").upper()
        if method in SAFE_METHODS or (request.user and request.user.is_authenticated):
            return Response(status=204)
        raise NotAuthenticated("Sign in (session or API token) before uploading.")
