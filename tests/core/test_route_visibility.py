"""Every route has a visibility rule, and each route keeps it.

``RULES`` names, for every URL pattern (``get_resolver()``, walked recursively) and every socket route
(``config.routing``), who may use it:

* ``public``   anyone;
* ``auth``     any signed-in user (anonymous: 401 / 403 / the sign-in page);
* ``owner``    the seeded object's owner and staff; a second user and anonymous are refused (404);
* ``self``     the owner only (an action on one's own account or entry: staff are refused too);
* ``staff``    staff only.

``marker`` is something of the owner's private, seeded world (a job on a hidden board, an unpublished
policy, a training run, an MLflow run) that the page or list must not show to a second user or to an
anonymous client; the personas in ``must_see`` must find it (the owner, and staff where they see all).
The table must name every route exactly once: a new route without a rule fails
``test_every_route_has_exactly_one_rule``.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from channels.testing import WebsocketCommunicator
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

# The seeded world every persona is tried against (a pytest fixture, used by name below).
from tests.core.route_world import world  # noqa: F401

PERSONAS = ("anonymous", "bob", "alice", "staff")  # alice owns the seeded world, bob is the second user
EXPECTED = {  # rule -> persona -> allowed?
    "public": {"anonymous": True, "bob": True, "alice": True, "staff": True},
    "auth": {"anonymous": False, "bob": True, "alice": True, "staff": True},
    "owner": {"anonymous": False, "bob": False, "alice": True, "staff": True},
    "self": {"anonymous": False, "bob": False, "alice": True, "staff": False},
    "staff": {"anonymous": False, "bob": False, "alice": False, "staff": True},
    # The worker API (remote_workers/): a worker token only, which no persona holds; a session or a
    # user's API token is refused there (tests/remote_workers/test_token_scoping.py tries both).
    "worker": {"anonymous": False, "bob": False, "alice": False, "staff": False},
}


@dataclass
class Rule:
    rule: str
    path: Callable[[dict], str] | str  # the URL to try, from the seeded world
    method: str = "get"
    body: dict | None = None
    form: bool = False  # a page form: POSTed as a form, refusals come back as error messages
    marker: Callable[[dict], str] | None = None
    must_see: tuple[str, ...] = ("alice", "staff")  # who must find the marker (own-lists: alice only)
    ws: bool = False
    extra: dict = field(default_factory=dict)


MINE = ("alice",)  # a user's own list: staff see theirs there (and everyone's in admin)


def _unsubscribe(world) -> str:
    from notifications.services import unsubscribe_token

    return unsubscribe_token(world["alice"])


def _w(fmt: str) -> Callable[[dict], str]:
    return lambda world: fmt.format(**world)


RULES: dict[str, Rule] = {
    # --- API
    "api-root": Rule("public", "/api/"),
    "api-benchmarks": Rule("public", "/api/benchmarks"),
    "api-leaderboard": Rule("public", "/api/leaderboard?benchmark=toy", marker=_w("{method}"), must_see=()),
    "api-suite": Rule("public", "/api/suites/toy-suite", marker=_w("{method}"), must_see=()),
    # Comparing shows what job visibility allows: the world's job is on a hidden board, so its owner's and staff's.
    "api-compare": Rule("owner", _w("/api/compare?a={job}&b={job}"), marker=_w("{method}")),
    "api-me": Rule("auth", "/api/me"),
    "api-job-archive": Rule("owner", _w("/api/jobs/{job}/archive")),
    "api-finals-zip": Rule("staff", "/api/benchmarks/toy/finals.zip"),
    "api-teams": Rule("auth", "/api/teams", marker=_w("{team_name}"), must_see=MINE),
    "api-team": Rule("owner", _w("/api/teams/{team}")),
    "api-team-invite": Rule("self", _w("/api/teams/{team}/invitations"), method="post", body={"username": "bob"}),
    "api-team-accept": Rule("self", _w("/api/teams/invitations/{invitation}/accept"), method="post", body={}),
    "api-team-join": Rule(
        "auth", "/api/teams/join", method="post", extra={"body_from": lambda world: {"token": world["open_token"]}}
    ),
    "api-team-leave": Rule("self", _w("/api/teams/{team_api_leave}/leave"), method="post", body={}),
    "api-entry": Rule("owner", _w("/api/entries/{entry}")),
    "api-entry-final": Rule("self", _w("/api/entries/{entry}/final"), method="post", body={}),
    "api-submissions": Rule("auth", "/api/submissions", marker=_w("{submission}"), must_see=MINE),
    "api-submission": Rule("owner", _w("/api/submissions/{submission}")),
    "api-jobs": Rule("auth", "/api/jobs", marker=_w("{job}"), must_see=MINE),
    "api-job-status": Rule("owner", _w("/api/jobs/{job}/status")),
    "api-job-logs": Rule("owner", _w("/api/jobs/{job}/logs")),
    "api-job-results": Rule("owner", _w("/api/jobs/{job}/results")),
    "api-seed-group": Rule("owner", _w("/api/seed-groups/{seed_group}")),  # its jobs' visibility
    "api-job-cancel": Rule("owner", _w("/api/jobs/{job}/cancel"), method="post", body={}),  # completed: 409
    "api-upload-gate": Rule("auth", "/api/upload-gate"),  # nginx's auth_request before an upload body
    "schema": Rule("public", "/api/schema/"),
    "swagger-ui": Rule("public", "/api/docs/"),
    "api-tokens": Rule("auth", "/api/tokens", marker=_w("{token_prefix}"), must_see=MINE),
    "api-token": Rule("self", _w("/api/tokens/{token}"), method="delete"),
    "api-models": Rule("public", "/api/models", marker=_w('"id":{model},')),
    "api-model-active": Rule("public", "/api/models/active"),
    "api-model": Rule("owner", _w("/api/models/{model}")),
    "api-model-publish": Rule("owner", _w("/api/models/{model}/publish"), method="post", body={"published": False}),
    "api-training-start": Rule("auth", "/api/training/start", method="post", body={"algorithm": "none"}),  # 400
    "api-training-stop": Rule(
        "self",
        "/api/training/stop",
        method="post",
        body=None,
        extra={"body_from": lambda world: {"id": world["training"]}},
    ),
    "api-training-status": Rule("self", _w("/api/training/status?id={training}")),
    "api-experiments": Rule("public", "/api/experiments", marker=_w('"id":"{experiment}"')),
    "api-experiment": Rule("owner", _w("/api/experiments/{experiment}")),
    # --- pages
    "index": Rule("public", "/"),
    "board": Rule("public", "/leaderboard/toy/", marker=_w("{method}"), must_see=()),
    "suite": Rule("public", "/suites/toy-suite/", marker=_w("{method}"), must_see=()),
    "compare-pick": Rule("public", _w("/compare/?job={job}&job={pending}")),  # a redirect to "compare"
    "compare": Rule("owner", _w("/compare/{job}/{job}/"), marker=_w("{method}")),
    # The Pareto page plots the board's lines (issue 34): a hidden board's entries stay off it.
    "pareto": Rule("public", "/leaderboard/toy/pareto?cost=run_s", marker=_w("{method}"), must_see=()),
    "entry": Rule("owner", _w("/entries/{entry}/")),
    "entry-final": Rule("self", _w("/entries/{entry}/final"), method="post", form=True),
    "entry-card": Rule("self", _w("/entries/{entry}/card"), method="post", form=True),
    "entry-listing": Rule("self", _w("/entries/{entry}/listing"), method="post", form=True),
    "teams": Rule("auth", "/teams/", marker=_w("{team_name}"), must_see=MINE),
    "team": Rule("owner", _w("/teams/{team}/")),
    "team-invite": Rule("self", _w("/teams/{team}/invite"), method="post", form=True),
    "team-leave": Rule("self", _w("/teams/{team_page_leave}/leave"), method="post", form=True),
    "team-invitation-accept": Rule("self", _w("/teams/invitations/{invitation2}/accept"), method="post", form=True),
    "team-join": Rule("auth", _w("/teams/join/{open_token}")),
    "me": Rule("auth", "/me/", marker=_w("{method}"), must_see=MINE),
    "health": Rule("public", "/health"),
    "api-health": Rule("public", "/api/health"),
    "health-ready": Rule("public", "/health/ready"),
    "health-live": Rule("public", "/health/live"),
    "tokens": Rule("auth", "/tokens/", marker=_w("{token_prefix}"), must_see=MINE),
    "token-revoke": Rule("self", _w("/tokens/{token2}/revoke"), method="post", form=True),
    "submit": Rule("auth", "/benchmarks/toy/submit"),
    "my-jobs": Rule("auth", "/jobs/", marker=_w("{job}"), must_see=MINE),
    "job": Rule("owner", _w("/jobs/{job}/")),
    "job-pictures": Rule("owner", _w("/jobs/{job}/pictures")),
    "job-picture": Rule("owner", _w("/jobs/{job}/pictures/scorer/curve.png")),
    "job-cancel": Rule("owner", _w("/jobs/{pending}/cancel"), method="post", form=True),
    "job-rerun": Rule("owner", _w("/jobs/{job}/rerun"), method="post", form=True),
    "agents-viewer": Rule("public", "/agents/", marker=_w('<option value="{model}"')),
    "agents-model-publish": Rule("owner", _w("/agents/models/{model}/publish"), method="post", form=True),
    "agents-training": Rule("public", "/agents/training/", marker=_w("{training}"), must_see=MINE),
    "agents-experiments": Rule("public", "/agents/experiments/"),
    "agents-episodes": Rule("staff", "/agents/episodes/"),
    "api-episodes": Rule("staff", "/api/episodes"),
    "fleet": Rule("staff", "/fleet/"),
    "notification-settings": Rule("auth", "/me/notifications/"),
    # The signed link works signed out (its GET only shows the button; the signature is the authority).
    "notification-unsubscribe": Rule("public", lambda world: f"/notifications/unsubscribe/{_unsubscribe(world)}/"),
    "metrics": Rule("staff", "/metrics"),
    "api-worker-claim": Rule("worker", "/api/worker/claim", method="post", body={"wait_s": 0}),
    "api-worker-heartbeat": Rule("worker", "/api/worker/heartbeat", method="post", body={}),
    "api-worker-stop": Rule("worker", "/api/worker/stop", method="post", body={}),
    "api-worker-upload-gate": Rule("worker", "/api/worker/upload-gate"),
    "api-worker-file": Rule("worker", "/api/worker/files/forged"),
    "api-worker-job-log": Rule("worker", _w("/api/worker/jobs/{job}/log"), method="post", body={}),
    "api-worker-job-output": Rule("worker", _w("/api/worker/jobs/{job}/output"), method="post", body={}),
    "api-worker-job-failed": Rule("worker", _w("/api/worker/jobs/{job}/failed"), method="post", body={}),
    # --- third-party route families, one rule each, tried on their front page
    "accounts/*": Rule("public", "/accounts/login/"),  # django-allauth: sign-in, sign-up, e-mail, OIDC
    "admin:*": Rule("staff", "/admin/"),  # Django admin: is_staff, its own login page otherwise
    # --- sockets (config.routing)
    # The socket replays the active (public) policy for anyone; an unpublished one only for its owner and staff.
    "ws/inference": Rule("owner", _w("/ws/inference?model={model}&autoplay=0"), ws=True),
    "ws/training": Rule("owner", _w("/ws/training?run={training}"), ws=True),
    "ws/jobs/<uuid:job_id>/live": Rule("owner", _w("/ws/jobs/{job}/live"), ws=True),
    "ws/fleet/": Rule("staff", "/ws/fleet/", ws=True),
}


# --- the routes -----------------------------------------------------------------------------------
def http_routes(patterns=None, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(name, route) of every URL pattern, includes walked recursively; unnamed ones go by route."""
    found = []
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += http_routes(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            found.append((f"{namespace}{pattern.name or route}" if namespace or pattern.name else route, route))
    return found


def socket_routes() -> list[tuple[str, str]]:
    from config.routing import websocket_urlpatterns

    return [(str(p.pattern), str(p.pattern)) for p in websocket_urlpatterns]


def rule_keys(name: str, route: str) -> list[str]:
    """The table keys that claim a route: its name, or the family it belongs to."""
    keys = [key for key in RULES if key == name]
    keys += [key for key in RULES if key.endswith(":*") and name.startswith(key[:-1])]
    keys += [key for key in RULES if key.endswith("/*") and route.startswith(key[:-1])]
    return keys


def coverage_problems(routes: list[tuple[str, str]]) -> list[str]:
    problems, used = [], set()
    for name, route in routes:
        keys = rule_keys(name, route)
        used.update(keys)
        if len(keys) != 1:
            problems.append(f"{route!r} (name {name!r}) is claimed by {keys or 'no rule'}: give it exactly one rule")
    problems += [f"rule {key!r} names no route" for key in RULES if key not in used]
    return problems


def test_every_route_has_exactly_one_rule():
    assert coverage_problems(http_routes() + socket_routes()) == []


def test_a_route_without_a_rule_is_caught():
    """The coverage check bites: a route added without a rule, or a rule left after its route went."""
    routes = http_routes() + socket_routes()
    assert coverage_problems(routes + [("api-new-thing", "api/new-thing")]) == [
        "'api/new-thing' (name 'api-new-thing') is claimed by no rule: give it exactly one rule"
    ]
    without_board = [(n, r) for n, r in routes if n != "board"]
    assert coverage_problems(without_board) == ["rule 'board' names no route"]


def _client(world, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(world[persona])
    return client


REFUSED_MESSAGE = re.compile(r"visible to you|of yours|does not exist|only the owner", re.I)


def _http(world, persona: str, spec: Rule) -> tuple[bool, str, str]:
    """(allowed, body, what happened) for one persona on one route."""
    client = _client(world, persona)
    path = spec.path(world) if callable(spec.path) else spec.path
    body = spec.extra["body_from"](world) if "body_from" in spec.extra else spec.body
    if spec.form:
        response = client.post(path, {"next": "/"})
    elif spec.method == "get":
        response = client.get(path)
    else:
        response = getattr(client, spec.method)(path, data=json.dumps(body or {}), content_type="application/json")
    assert response.status_code < 500, f"{path} as {persona}: {response.status_code}"
    text = (
        b"".join(response.streaming_content).decode(errors="replace")
        if response.streaming
        else response.content.decode(errors="replace")
    )
    to_login = response.status_code == 302 and "login" in response.get("Location", "")
    refused = response.status_code in (401, 403, 404) or to_login
    if spec.form and not refused:
        refused = any(REFUSED_MESSAGE.search(str(m)) for m in get_messages(response.wsgi_request))
    return not refused, text, f"{response.status_code} {text[:160]!r}"


async def _socket(world, persona: str, spec: Rule) -> tuple[bool, str, str]:
    from config.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if persona != "anonymous":
        client = await asyncio.get_running_loop().run_in_executor(None, _client, world, persona)
        headers.append((b"cookie", f"sessionid={client.cookies['sessionid'].value}".encode()))
    communicator = WebsocketCommunicator(
        application, spec.path(world) if callable(spec.path) else spec.path, headers=headers
    )
    connected, _ = await communicator.connect(timeout=5)
    if not connected:
        return False, "", "connection refused"
    output = await communicator.receive_output(timeout=10)
    await communicator.disconnect()
    if output["type"] == "websocket.close":
        return False, "", f"closed {output.get('code')}"
    frame = json.loads(output.get("text", "{}"))
    allowed = frame.get("type") != "error"
    return allowed, "ok" if allowed else "", f"first frame {output.get('text', '')[:160]!r}"


@pytest.mark.django_db(transaction=True)
def test_every_route_keeps_its_rule_for_every_persona(world):
    failures = []
    # Writes run last, in persona order, so a refused write never changes what a later read sees.
    order = sorted(RULES.items(), key=lambda item: (item[1].method != "get" or item[1].form, item[0]))
    for key, spec in order:
        for persona in PERSONAS:
            if spec.ws:
                allowed, text, what = asyncio.run(_socket(world, persona, spec))
            else:
                allowed, text, what = _http(world, persona, spec)
            expected = EXPECTED[spec.rule][persona]
            if allowed != expected:
                failures.append(f"{key} [{spec.rule}] as {persona}: {'allowed' if allowed else 'refused'} ({what})")
                continue
            if spec.marker is None or not allowed:
                continue
            shows = spec.marker(world) in text
            if persona in ("anonymous", "bob") and shows:
                failures.append(f"{key} shows alice's private {spec.marker(world)!r} to {persona}")
            if persona in spec.must_see and not shows:
                failures.append(f"{key} hides alice's {spec.marker(world)!r} from {persona} ({what})")
    assert failures == [], "\n".join(failures)
