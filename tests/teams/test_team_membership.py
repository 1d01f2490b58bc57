"""A participant creates a team, invites by username or shares its link, the invitee accepts, anyone leaves;
a team is its members' and staff's only."""

from __future__ import annotations

from django.test import Client

from teams.models import Membership, Team


def test_create_invite_accept_and_leave(as_alice, as_bob, alice, bob):
    created = as_alice.post("/api/teams", {"name": "Lab Nine"}, format="json")
    assert created.status_code == 201 and created.json()["members"] == ["alice"]
    team_id = created.json()["id"]
    assert as_bob.get(f"/api/teams/{team_id}").status_code == 404  # not his
    invited = as_alice.post(f"/api/teams/{team_id}/invitations", {"username": "bob"}, format="json")
    assert invited.status_code == 201
    pending = as_bob.get("/api/teams").json()["invitations"]
    assert [(i["team"], i["invited_by"]) for i in pending] == [("Lab Nine", "alice")]
    assert as_alice.post(f"/api/teams/invitations/{pending[0]['id']}/accept").status_code == 404  # bob's to accept
    accepted = as_bob.post(f"/api/teams/invitations/{pending[0]['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["members"] == ["alice", "bob"]
    assert as_bob.get("/api/teams").json()["invitations"] == []
    assert as_bob.post(f"/api/teams/{team_id}/leave").status_code == 204
    assert list(Team.objects.get(pk=team_id).memberships.values_list("user__username", flat=True)) == ["alice"]


def test_the_join_link_joins_and_a_wrong_one_is_404(as_alice, as_bob, bob):
    team = as_alice.post("/api/teams", {"name": "Open Lab"}, format="json").json()
    assert as_bob.post("/api/teams/join", {"token": "not-the-token"}, format="json").status_code == 404
    assert as_bob.post("/api/teams/join", {"token": team["join_token"]}, format="json").json()["members"] == [
        "alice",
        "bob",
    ]
    page = Client()
    page.force_login(bob)
    assert page.get(f"/teams/join/{team['join_token']}x").status_code == 404


def test_names_are_unique_and_invites_need_a_member(as_alice, as_bob, as_staff, alice, staff):
    team = as_alice.post("/api/teams", {"name": "Lab"}, format="json").json()
    assert as_bob.post("/api/teams", {"name": "lab"}, format="json").json()["error"] == "team_name_taken"
    assert as_bob.post(f"/api/teams/{team['id']}/invitations", {"username": "bob"}, format="json").status_code == 404
    # staff see every team (admin, API) but invite to none they are not in
    assert as_staff.get(f"/api/teams/{team['id']}").status_code == 200
    assert (
        as_staff.post(f"/api/teams/{team['id']}/invitations", {"username": "staff"}, format="json").status_code == 404
    )
    assert not Membership.objects.filter(user=staff).exists()


def test_staff_see_teams_in_admin(staff, alice, as_alice):
    as_alice.post("/api/teams", {"name": "Admin Visible"}, format="json")
    page = Client()
    page.force_login(staff)
    assert "Admin Visible" in page.get("/admin/teams/team/").content.decode()
