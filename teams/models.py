"""Teams: participants who submit as one (a shared quota, board row and final marks).

A team is an owner of work like a user is: a submission names the team it is made for, and its
jobs count against the team's limits (``jobs.admission``). Membership is by invitation (a username)
or by the team's secret link; anyone may leave. Teams are below ``phases`` in the layers: they know
nothing of benchmarks, jobs or boards.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_invite_token() -> str:
    return secrets.token_urlsafe(24)


class Team(models.Model):
    name = models.CharField(max_length=50, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The join link's secret: whoever holds it may join (members see it; a reset makes a new one).
    invite_token = models.CharField(max_length=64, unique=True, default=new_invite_token, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="one_membership_per_team_and_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team}"


class Invitation(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_invitations")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["team", "invitee"], name="one_invitation_per_team_and_user")]

    def __str__(self) -> str:
        return f"{self.invitee} invited to {self.team}"
