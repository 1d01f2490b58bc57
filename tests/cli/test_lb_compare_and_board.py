"""``lb compare A B`` and ``lb board`` over real HTTP (a live server): the comparison's paired difference, its
interval, config and file differences as the API gives them; the board in each metric's unit and precision,
sorted with ``--order``."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

from tests.conftest import ROOT
from tests.support import sliced_toy

sys.path.insert(0, str(ROOT / "cli"))  # this checkout's client

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pair(alice, bob):
    sliced_toy.register()
    files = [{"path": "main.py", "size": 1, "sha256": "a" * 64}]
    a = sliced_toy.sliced_job(alice, "sharp", [1.0] * 36 + [0.0] * 4, [1.0] * 40, files=files, config={"lr": 0.1})
    b = sliced_toy.sliced_job(
        bob, "blunt", [1.0, 0.0] * 20, [0.0] * 40, files=[*files, {"path": "x.py", "size": 1, "sha256": "b" * 64}]
    )
    yield a, b
    sliced_toy.unregister()


def lb(live_server, tmp_path, user, *args):
    from lb_cli.main import app

    env = {
        "LB_URL": live_server.url,
        "LB_TOKEN": user.raw_token,
        "LB_CONFIG": str(tmp_path / "none.json"),
        "COLUMNS": "200",
    }
    return CliRunner().invoke(app, list(args), env=env)


def test_lb_compare_prints_what_the_api_gives(live_server, tmp_path, bob, pair):
    a, b = pair
    result = lb(live_server, tmp_path, bob, "compare", str(a.pk), str(b.pk))
    assert result.exit_code == 0, result.output
    out = result.output
    assert "a: sharp by alice" in out and "b: blunt by bob" in out
    line = next(line for line in out.splitlines() if line.strip().startswith("accuracy"))
    assert "90.0" in line and "50.0" in line and "40.0" in line and "–" in line and "100%" in line
    assert "parity: odd" in out and "parity: even" in out
    assert "private part: not shown" in out and "lr: 0.1 → None" in out and "added x.py" in out


def test_lb_board_prints_units_precision_and_order(live_server, tmp_path, bob, pair):
    result = lb(live_server, tmp_path, bob, "board", sliced_toy.SLUG)
    assert result.exit_code == 0, result.output
    assert "accuracy (%)" in result.output and "95% interval (%)" in result.output
    assert "90.0" in result.output and "0.9000" not in result.output
    by_errors = lb(live_server, tmp_path, bob, "board", sliced_toy.SLUG, "--order", "errors").output
    assert by_errors.index("sharp") < by_errors.index("blunt")  # fewer errors first
    csv = lb(live_server, tmp_path, bob, "board", sliced_toy.SLUG, "--csv").output
    assert "accuracy (%)" in csv.splitlines()[0]
