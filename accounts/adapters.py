"""django-allauth hooks: who may sign up, and how an OIDC identity becomes a local user."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render

from accounts import services
from core.proxy import client_ip

INVITE_SESSION_KEY = "lb_invite"


class InviteTaken(Exception):
    """Another sign-up used the invitation first."""


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request: HttpRequest) -> str:
        """allauth's rate limits count per this address: the one core/proxy.py decided."""
        return client_ip(request)

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        mode = settings.LB_SIGNUP
        if mode == "open":
            return True
        if mode == "invite":
            code = request.GET.get("invite") or request.POST.get("invite") or request.session.get(INVITE_SESSION_KEY)
            if code and services.invite_is_open(code=code):
                request.session[INVITE_SESSION_KEY] = code
                return True
        return False

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        code = request.session.pop(INVITE_SESSION_KEY, None)
        if not (commit and settings.LB_SIGNUP == "invite" and code):
            return super().save_user(request, user, form, commit=commit)
        # The account and the use of its one-use code commit together: of sign-ups racing on one
        # code, the conditional update lets exactly one through and the others roll back.
        try:
            with transaction.atomic():
                user = super().save_user(request, user, form, commit=True)
                if not services.invite_use(code=code, user=user):
                    raise InviteTaken
        except InviteTaken:
            raise ImmediateHttpResponse(render(request, "accounts/invite_taken.html", status=409)) from None
        return user


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """An identity is linked by (issuer, sub) only. Its claims never pick an
    existing local account, and never grant staff except through OIDC_STAFF_GROUPS."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        # The operator chose the issuer: its people may join unless sign-up is closed.
        return settings.LB_SIGNUP != "closed"

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin) -> bool:
        return True

    def populate_user(self, request: HttpRequest, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = services.oidc_claims(sociallogin.account.extra_data)
        user.username = services.unique_username(claims.get(settings.OIDC_USERNAME_CLAIM) or data.get("username"))
        if user.email and services.email_taken(user.email):
            user.email = ""  # an e-mail is not an identity: never reuse or merge on it
        user.is_staff = services.staff_from_claims(claims)
        user.is_superuser = False
        return user

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        if sociallogin.is_existing:
            services.oidc_sync_staff(user=sociallogin.user, claims=services.oidc_claims(sociallogin.account.extra_data))
