"""The teams API: list and create yours, read one, invite, accept, join by link, leave."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from teams import selectors, services
from teams.models import Team


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    members = serializers.ListField(child=serializers.CharField())
    join_token = serializers.CharField(help_text="The join link's secret: share it with whoever should join.")


def team_data(team: Team) -> dict:
    return {"id": team.pk, "name": team.name, "members": selectors.members_of(team), "join_token": team.invite_token}


class TeamCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)


class InviteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class JoinSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=64)


class InvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    team = serializers.CharField(source="team.name")
    invited_by = serializers.CharField(source="invited_by.username")


class TeamListSerializer(serializers.Serializer):
    results = TeamSerializer(many=True, help_text="Your teams.")
    invitations = InvitationSerializer(many=True, help_text="Invitations waiting for your answer.")


class TeamListCreateView(APIView):
    @extend_schema(responses={200: TeamListSerializer}, operation_id="teams_list")
    def get(self, request):
        teams = selectors.teams_of(request.user)
        return Response(
            {
                "results": [team_data(team) for team in teams],
                "invitations": InvitationSerializer(selectors.invitations_for(request.user), many=True).data,
            }
        )

    @extend_schema(request=TeamCreateSerializer, responses={201: TeamSerializer}, operation_id="teams_create")
    def post(self, request):
        form = TeamCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        team = services.team_create(user=request.user, name=form.validated_data["name"])
        return Response(team_data(team), status=status.HTTP_201_CREATED)


class TeamDetailView(APIView):
    @extend_schema(responses={200: TeamSerializer}, operation_id="teams_retrieve")
    def get(self, request, pk: int):
        return Response(team_data(selectors.team_for(user=request.user, team_id=pk)))


class TeamInviteView(APIView):
    @extend_schema(request=InviteSerializer, responses={201: InvitationSerializer}, operation_id="teams_invite")
    def post(self, request, pk: int):
        form = InviteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        invitation = services.team_invite(actor=request.user, team_id=pk, username=form.validated_data["username"])
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationAcceptView(APIView):
    @extend_schema(request=None, responses={200: TeamSerializer}, operation_id="teams_invitation_accept")
    def post(self, request, pk: int):
        membership = services.team_accept(user=request.user, invitation_id=pk)
        return Response(team_data(membership.team))


class TeamJoinView(APIView):
    @extend_schema(request=JoinSerializer, responses={200: TeamSerializer}, operation_id="teams_join")
    def post(self, request):
        form = JoinSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        membership = services.team_join(user=request.user, token=form.validated_data["token"])
        return Response(team_data(membership.team))


class TeamLeaveView(APIView):
    @extend_schema(request=None, responses={204: None}, operation_id="teams_leave")
    def post(self, request, pk: int):
        services.team_leave(user=request.user, team_id=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)
