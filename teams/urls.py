from django.urls import path

from teams import views
from teams.api import views as api

urlpatterns = [
    path("teams/", views.teams_page, name="teams"),
    path("teams/<int:pk>/", views.team_page, name="team"),
    path("teams/<int:pk>/invite", views.team_invite_page, name="team-invite"),
    path("teams/<int:pk>/leave", views.team_leave_page, name="team-leave"),
    path("teams/invitations/<int:pk>/accept", views.invitation_accept_page, name="team-invitation-accept"),
    path("teams/join/<str:token>", views.team_join_page, name="team-join"),
    path("api/teams", api.TeamListCreateView.as_view(), name="api-teams"),
    path("api/teams/join", api.TeamJoinView.as_view(), name="api-team-join"),
    path("api/teams/<int:pk>", api.TeamDetailView.as_view(), name="api-team"),
    path("api/teams/<int:pk>/invitations", api.TeamInviteView.as_view(), name="api-team-invite"),
    path("api/teams/<int:pk>/leave", api.TeamLeaveView.as_view(), name="api-team-leave"),
    path("api/teams/invitations/<int:pk>/accept", api.InvitationAcceptView.as_view(), name="api-team-accept"),
]
