"""GET /api/health (the maze seed's §15.2 path) answers exactly as /health/ready does."""

from __future__ import annotations


def test_api_health_is_readiness_for_everyone(anonymous, as_staff):
    public = anonymous.get("/api/health")
    assert public.status_code == anonymous.get("/health/ready").status_code
    assert public.json() == anonymous.get("/health/ready").json()
    assert set(public.json()) == {"status"}  # details stay staff-only here too
    staff = as_staff.get("/api/health").json()
    assert set(staff["checks"]) == set(as_staff.get("/health/ready").json()["checks"])


def test_api_health_is_503_when_the_queue_is_down(as_staff, monkeypatch):
    from huey.contrib.djhuey import HUEY

    def unreachable():
        raise ConnectionError("queue unreachable")

    monkeypatch.setattr(HUEY, "pending_count", unreachable)
    response = as_staff.get("/api/health")
    assert response.status_code == 503 and response.json()["status"] == "unavailable"
