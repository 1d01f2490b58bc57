"""The benchmark-only view is not part of the product: unrouted unless LB_BENCH_VIEWS is
on, and ``check --deploy`` refuses a deployment that turns it on."""

from __future__ import annotations

import pytest
from django.core import checks
from django.urls import NoReverseMatch, reverse

from site_wide.checks import bench_views_off


@pytest.mark.django_db
def test_the_bench_view_is_not_routed_by_default(client):
    with pytest.raises(NoReverseMatch):
        reverse("api-bench-bare")
    assert client.get("/api/bench/bare").status_code == 404


def test_check_deploy_refuses_bench_views(settings):
    settings.LB_BENCH_VIEWS = True
    assert [message.id for message in bench_views_off()] == ["lb.E002"]
    assert "lb.E002" in [message.id for message in checks.run_checks(include_deployment_checks=True)]
    settings.LB_BENCH_VIEWS = False
    assert bench_views_off() == []
    assert "lb.E002" not in [message.id for message in checks.run_checks(include_deployment_checks=True)]
