"""Writes for teams: create, invite (by username or the link), accept, join, leave."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from core.errors import Conflict, InvalidInput, NotFound
from teams.models import Invitation, Membership, Team
from teams.selectors import team_for

logger = logging.getLogger(__name__)


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not 2 <= len(name) <= 50 or not name.isprintable():
        raise InvalidInput("A team name is 2 to 50 printable characters.", code="bad_team_name")
    return name


@transaction.atomic
def team_create(*, user: AbstractBaseUser, name: str) -> Team:
    name = _check_name(name)
    if Team.objects.filter(name__iexact=name).exists():
        raise Conflict(f"A team named {name!r} exists.", code="team_name_taken")
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, created_by=user)
    except IntegrityError:
        raise Conflict(f"A team named {name!r} exists.", code="team_name_taken") from None
    Membership.objects.create(team=team, user=user)
    logger.info("team created", extra={"team": team.pk, "user": user.pk})
    return team


def team_invite(*, actor: AbstractBaseUser, team_id, username: str) -> Invitation:
    team = team_for(user=actor, team_id=team_id)
    if not team.memberships.filter(user_id=actor.pk).exists():
        raise NotFound(f"No team {team_id} of yours.")  # staff see every team but invite to none
    invitee = get_user_model().objects.filter(username=(username or "").strip()).first()
    if invitee is None:
        raise NotFound(f"No user {username!r}.", code="no_such_user")
    if team.memberships.filter(user=invitee).exists():
        raise Conflict(f"{invitee.username} is in {team.name} already.", code="already_member")
    invitation, _ = Invitation.objects.get_or_create(team=team, invitee=invitee, defaults={"invited_by": actor})
    logger.info("team invitation", extra={"team": team.pk, "user": actor.pk, "invitee": invitee.pk})
    return invitation


def _join(team: Team, user: AbstractBaseUser) -> Membership:
    membership, created = Membership.objects.get_or_create(team=team, user=user)
    Invitation.objects.filter(team=team, invitee=user).delete()
    if created:
        logger.info("team joined", extra={"team": team.pk, "user": user.pk})
    return membership


@transaction.atomic
def team_accept(*, user: AbstractBaseUser, invitation_id) -> Membership:
    """Accept an invitation made to the user (anyone else's, or none, is 404)."""
    try:
        invitation = Invitation.objects.select_related("team").get(pk=int(invitation_id), invitee_id=user.pk)
    except (TypeError, ValueError, Invitation.DoesNotExist):
        raise NotFound(f"No invitation {invitation_id} of yours.") from None
    return _join(invitation.team, user)


@transaction.atomic
def team_join(*, user: AbstractBaseUser, token: str) -> Membership:
    """Join through the team's link; a wrong or reset token is 404."""
    team = Team.objects.filter(invite_token=token).first() if token else None
    if team is None:
        raise NotFound("This team link is not valid (it may have been reset).", code="bad_team_link")
    return _join(team, user)


def team_leave(*, user: AbstractBaseUser, team_id) -> None:
    """Leave a team. Its jobs and entries stay the team's; the user's past jobs keep counting for it."""
    deleted, _ = Membership.objects.filter(team_id=team_id, user_id=user.pk).delete()
    if not deleted:
        raise NotFound(f"No team {team_id} of yours.")
    logger.info("team left", extra={"team": team_id, "user": user.pk})
