"""Team pages: yours (create, pending invitations), one team (members, invite, link, leave), the join link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from teams import selectors, services
from teams.models import Team


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            team = services.team_create(user=request.user, name=request.POST.get("name", ""))
            return redirect("team", pk=team.pk)
        except DomainError as exc:
            messages.error(request, exc.detail)
    return render(
        request,
        "teams/list.html",
        {"teams": selectors.teams_of(request.user), "invitations": selectors.invitations_for(request.user)},
    )


@login_required
def team_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        team = selectors.team_for(user=request.user, team_id=pk)
    except NotFound:
        raise Http404("No such team") from None
    link = request.build_absolute_uri(f"/teams/join/{team.invite_token}")
    return render(request, "teams/detail.html", {"team": team, "members": selectors.members_of(team), "link": link})


@login_required
@require_POST
def team_invite_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invitation = services.team_invite(actor=request.user, team_id=pk, username=request.POST.get("username", ""))
        messages.success(request, f"Invited {invitation.invitee.username}.")
    except DomainError as exc:
        messages.error(request, exc.detail)
        if exc.status_code == 404 and exc.code != "no_such_user":
            return redirect("teams")
    return redirect("team", pk=pk)


@login_required
@require_POST
def invitation_accept_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        membership = services.team_accept(user=request.user, invitation_id=pk)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("teams")
    messages.success(request, f"You joined {membership.team.name}.")
    return redirect("team", pk=membership.team_id)


@login_required
@require_POST
def team_leave_page(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.team_leave(user=request.user, team_id=pk)
        messages.success(request, "You left the team.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("teams")


@login_required
def team_join_page(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows which team the link joins; POST joins (a link never acts on a GET)."""
    team = Team.objects.filter(invite_token=token).first()
    if team is None:
        raise Http404("This team link is not valid.")
    if request.method == "POST":
        services.team_join(user=request.user, token=token)
        messages.success(request, f"You joined {team.name}.")
        return redirect("team", pk=team.pk)
    return render(request, "teams/join.html", {"team": team})
