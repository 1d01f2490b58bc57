"""OIDC identities are linked by (issuer, sub): a claimed username never takes over a
local account, and staff comes only from an explicit OIDC_STAFF_GROUPS mapping.
Real JWTs, signed with a generated key, verified against a JWKS served on loopback."""

from __future__ import annotations

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from tests.accounts.test_oidc import ISSUER, jwks, me, token  # noqa: F401  (jwks is a fixture)


@pytest.fixture
def local_admin(db):
    return get_user_model().objects.create_superuser("admin", "admin@example.org", "secret-password")


def test_claimed_name_of_an_existing_user_signs_in_as_a_new_distinct_user(jwks, local_admin):  # noqa: F811
    response = me(token(jwks, sub="attacker-1", preferred_username="admin"))
    assert response.status_code == 200
    body = response.json()
    assert body["username"] != "admin"
    user = get_user_model().objects.get(username=body["username"])
    assert user.pk != local_admin.pk
    assert not user.is_staff and not user.is_superuser
    link = SocialAccount.objects.get(user=user)
    assert (link.provider, link.uid) == ("oidc", "attacker-1")
    assert link.extra_data["id_token"]["iss"] == ISSUER
    local_admin.refresh_from_db()
    assert local_admin.is_superuser and not SocialAccount.objects.filter(user=local_admin).exists()


def test_the_same_subject_is_the_same_user_every_time(jwks, db):  # noqa: F811
    first = me(token(jwks, sub="s-42", preferred_username="dana")).json()["username"]
    again = me(token(jwks, sub="s-42", preferred_username="someone-else")).json()["username"]
    assert first == again == "dana"


def test_two_subjects_claiming_one_name_get_two_users(jwks, db):  # noqa: F811
    one = me(token(jwks, sub="s-1", preferred_username="eve")).json()["username"]
    two = me(token(jwks, sub="s-2", preferred_username="eve")).json()["username"]
    assert one == "eve" and two != "eve"
    assert get_user_model().objects.filter(username__in=[one, two]).count() == 2


def test_groups_claim_grants_nothing_without_a_mapping(jwks, db):  # noqa: F811
    body = me(token(jwks, sub="s-9", preferred_username="gina", groups=["admins", "staff"])).json()
    assert get_user_model().objects.get(username=body["username"]).is_staff is False


def test_staff_only_through_oidc_staff_groups(jwks, db, settings):  # noqa: F811
    settings.OIDC_STAFF_GROUPS = ["lb-admins"]
    ops = me(token(jwks, sub="ops", preferred_username="ops", groups=["lb-admins"])).json()["username"]
    other = me(token(jwks, sub="dev", preferred_username="dev", groups=["developers"])).json()["username"]
    User = get_user_model()
    assert User.objects.get(username=ops).is_staff and not User.objects.get(username=ops).is_superuser
    assert not User.objects.get(username=other).is_staff
    # Leaving the group takes staff away at the next sign-in.
    me(token(jwks, sub="ops", preferred_username="ops", groups=[]))
    assert not User.objects.get(username=ops).is_staff


def test_a_link_made_with_another_issuer_is_not_reused(jwks, db):  # noqa: F811
    user = get_user_model().objects.create(username="old-idp-user")
    SocialAccount.objects.create(
        user=user,
        provider="oidc",
        uid="s-77",
        extra_data={"id_token": {"iss": "https://old-issuer.test", "sub": "s-77"}},
    )
    response = me(token(jwks, sub="s-77", preferred_username="old-idp-user"))
    assert response.status_code == 401 and "linked to issuer" in response.json()["detail"]


def test_the_new_name_for_a_taken_claim(jwks, local_admin):  # noqa: F811
    name = me(token(jwks, sub="x", preferred_username="admin")).json()["username"]
    assert name != "admin" and name.startswith("admin") and name[5:].isdigit()  # e.g. admin3
