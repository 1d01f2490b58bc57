"""Reads about teams: who is in which, and the one rule of who sees a team (its members, and staff)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet

from core.errors import NotFound
from teams.models import Invitation, Membership, Team


def teams_of(user: AbstractBaseUser) -> QuerySet[Team]:
    if not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(memberships__user=user)


def team_ids_of(user: AbstractBaseUser) -> QuerySet:
    """The ids of the user's teams, as a subquery (``team_id__in=``)."""
    if not user.is_authenticated:
        return Membership.objects.none().values("team_id")
    return Membership.objects.filter(user_id=user.pk).values("team_id")


def is_member(*, user: AbstractBaseUser, team_id: int) -> bool:
    return user.is_authenticated and Membership.objects.filter(team_id=team_id, user_id=user.pk).exists()


def team_for(*, user: AbstractBaseUser, team_id) -> Team:
    """A team the user is in (staff: any team); any other is 404."""
    teams = Team.objects.all() if user.is_staff else teams_of(user)
    try:
        return teams.get(pk=int(team_id))
    except (TypeError, ValueError, Team.DoesNotExist):
        raise NotFound(f"No team {team_id} of yours.") from None


def members_of(team: Team) -> list[str]:
    return list(team.memberships.order_by("joined_at").values_list("user__username", flat=True))


def invitations_for(user: AbstractBaseUser) -> QuerySet[Invitation]:
    return Invitation.objects.filter(invitee_id=user.pk).select_related("team", "invited_by")
