from datetime import datetime, timedelta

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import oidc
from accounts.api.serializers import NewTokenSerializer, TokenCreateSerializer, TokenSerializer
from accounts.models import ApiToken
from accounts.selectors import tokens_of
from accounts.services import token_issue, token_revoke_own
from core.pagination import NewestFirst


def credential_expiry(auth) -> datetime | None:
    """When the credential of this request stops working: an API token's or an OIDC JWT's expiry
    (a session, or a token without expiry: None)."""
    if isinstance(auth, ApiToken):
        return auth.expires_at
    if isinstance(auth, oidc.VerifiedJWT):
        return auth.expires_at
    return None


def expiry_from(data: dict):
    if data.get("expires_in_days"):
        return timezone.now() + timedelta(days=data["expires_in_days"])
    return data.get("expires_at")


class TokenListCreateView(GenericAPIView):
    pagination_class = NewestFirst
    serializer_class = TokenSerializer

    def get_queryset(self):
        return tokens_of(user=self.request.user)

    @extend_schema(responses={200: TokenSerializer(many=True)}, operation_id="tokens_list")
    def get(self, request):
        return self.get_paginated_response(TokenSerializer(self.paginate_queryset(self.get_queryset()), many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: NewTokenSerializer}, operation_id="tokens_create")
    def post(self, request):
        form = TokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, raw = token_issue(
            user=request.user,
            name=form.validated_data["name"],
            expires_at=expiry_from(form.validated_data),
            not_after=credential_expiry(request.auth),
        )
        token.token = raw
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)


class TokenRevokeView(APIView):
    @extend_schema(request=None, responses={200: TokenSerializer}, operation_id="tokens_revoke")
    def delete(self, request, pk):
        return Response(TokenSerializer(token_revoke_own(user=request.user, token_id=pk)).data)
