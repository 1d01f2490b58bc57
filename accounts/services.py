"""Writes for users, API tokens, invitations and OIDC identities."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import ApiToken, Invite
from core import bearer_tokens
from core.bearer_tokens import hash_token  # noqa: F401  (callers read it here)

TOKEN_PREFIX = "lb_"


def split_token(raw: str) -> str | None:
    """The lookup prefix of a well-formed user token, or None."""
    return bearer_tokens.split_token(raw, TOKEN_PREFIX)


def user_get_or_create(*, username: str) -> AbstractBaseUser:
    user, _ = get_user_model().objects.get_or_create(username=username)
    return user


def token_issue(
    *,
    user: AbstractBaseUser,
    name: str = "default",
    expires_at: datetime | None = None,
    not_after: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its secret, which is never stored.

    ``not_after``: when the credential that asks for this token stops working (a token or an
    OIDC JWT made with it). The new token expires then at the latest, so a leaked short-lived
    credential cannot mint a longer-lived one; a session (or a non-expiring token) sets none.
    """
    from core.errors import InvalidInput  # lazily: errors imports DRF, whose settings import us

    if not_after is not None and (expires_at is None or expires_at > not_after):
        expires_at = not_after
    name = (name or "").strip() or "default"
    if len(name) > 100:
        raise InvalidInput("name must be at most 100 characters.", code="bad_name")
    if expires_at is not None and expires_at <= timezone.now():
        raise InvalidInput("expires_at must be in the future.", code="bad_expiry")
    for _ in range(5):
        raw, prefix = bearer_tokens.new_token(TOKEN_PREFIX)
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(
                    user=user, name=name, prefix=prefix, token_hash=hash_token(raw), expires_at=expires_at
                )
            return token, raw
        except IntegrityError:  # prefix collision: astronomically rare, try again
            continue
    raise RuntimeError("could not allocate a unique token prefix")


def token_revoke(*, token: ApiToken) -> None:
    from accounts.token_cache import forget_token

    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    forget_token(token.prefix)


def token_revoke_own(*, user: AbstractBaseUser, token_id) -> ApiToken:
    """Revoke one of the user's tokens; someone else's answers 404."""
    from core.errors import NotFound

    token = ApiToken.objects.filter(pk=token_id, user=user).first() if str(token_id).isdigit() else None
    if token is None:
        raise NotFound(f"No token {token_id} of yours.")
    token_revoke(token=token)
    token.refresh_from_db()
    return token


# --- Invitations --------------------------------------------------------------


def invite_create(*, note: str = "") -> Invite:
    return Invite.objects.create(code=secrets.token_urlsafe(16), note=note)


def invite_is_open(*, code: str) -> bool:
    return Invite.objects.filter(code=code, used_at__isnull=True).exists()


def invite_use(*, code: str, user: AbstractBaseUser) -> bool:
    return bool(Invite.objects.filter(code=code, used_at__isnull=True).update(used_at=timezone.now(), used_by=user))


# --- OIDC identities ----------------------------------------------------------
# One link table for the browser flow (allauth's SocialAccount) and bearer
# JWTs: (provider, uid=sub), with the issuer kept beside it. A claim such as
# preferred_username is only ever a hint for a *new* user's name.


def unique_username(hint: str | None) -> str:
    """A username no account has: the hint when free, else the hint with a number."""
    from allauth.account.adapter import get_adapter

    return get_adapter().generate_unique_username([hint or "", "user"])


def email_taken(email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=email).exists()


def oidc_claims(extra_data: dict) -> dict:
    """The claims allauth stored for an openid_connect account (id token and/or userinfo)."""
    if not isinstance(extra_data, dict):
        return {}
    return (
        {**extra_data.get("userinfo", {}), **extra_data.get("id_token", {})}
        if ("id_token" in extra_data or "userinfo" in extra_data)
        else extra_data
    )


def staff_from_claims(claims: dict) -> bool:
    mapped = set(settings.OIDC_STAFF_GROUPS)
    if not mapped:
        return False
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    if isinstance(groups, str):
        groups = [groups]
    return bool(mapped & {str(group) for group in groups})


def oidc_sync_staff(*, user: AbstractBaseUser, claims: dict) -> None:
    """With OIDC_STAFF_GROUPS set, staff follows the group claim; without, it is left alone."""
    if not settings.OIDC_STAFF_GROUPS:
        return
    staff = staff_from_claims(claims)
    if user.is_staff != staff:
        from accounts.token_cache import forget_user_tokens

        get_user_model().objects.filter(pk=user.pk).update(is_staff=staff)
        forget_user_tokens(user.pk)
        user.is_staff = staff


def oidc_user_for_claims(*, claims: dict) -> AbstractBaseUser:
    """The local user linked to (issuer, sub), created on first sight with a fresh username."""
    from allauth.socialaccount.models import SocialAccount

    provider, sub, issuer = settings.OIDC_PROVIDER_ID, str(claims["sub"]), str(claims.get("iss", ""))
    account = SocialAccount.objects.select_related("user").filter(provider=provider, uid=sub).first()
    if account is None:
        with transaction.atomic():
            user = get_user_model().objects.create(
                username=unique_username(claims.get(settings.OIDC_USERNAME_CLAIM)),
                is_staff=staff_from_claims(claims),
                is_superuser=False,
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            try:
                with transaction.atomic():
                    account = SocialAccount.objects.create(
                        user=user, provider=provider, uid=sub, extra_data={"id_token": claims}
                    )
            except IntegrityError:  # a concurrent first request linked it
                user.delete()
                account = SocialAccount.objects.select_related("user").get(provider=provider, uid=sub)
        return account.user
    linked_issuer = oidc_claims(account.extra_data).get("iss")
    if linked_issuer and issuer and linked_issuer != issuer:
        raise PermissionError(f"identity {sub} is linked to issuer {linked_issuer}, not {issuer}")
    oidc_sync_staff(user=account.user, claims=claims)
    return account.user
