"""`lb submit --seeds 3 --wait` against a running stack: three jobs, each seed's score, mean ± sd and the
seeds-then-items interval, the numbers the seed group's API gives."""

from __future__ import annotations

import pytest

from tests.cli.test_lb import folder_with, lb, stack  # noqa: F401  (stack: the module's running stack)
from tests.conftest import toy_files
from tests.leaderboard.test_seed_group import SEEDED_MAIN

pytestmark = pytest.mark.slow


def test_submit_with_three_seeds_and_wait_prints_the_seed_numbers(stack, tmp_path):  # noqa: F811
    folder = folder_with(tmp_path / "seeded", toy_files(main=SEEDED_MAIN, config="seed: 0\n"))
    result = lb(stack, "submit", str(folder), "-b", "toy", "-m", "cli-seeds", "--seeds", "3", "--wait", timeout=300)
    assert result.returncode == 0, result.stderr
    group_id = result.stdout.split("seed group ", 1)[1].split()[0]
    summary = stack.api("GET", f"/api/seed-groups/{group_id}").json()
    assert summary["k"] == 3 and [s["seed"] for s in summary["scores"]] == [0, 1, 2]
    for seed in summary["scores"]:
        assert f"  seed {seed['seed']}: accuracy = {seed['score']}" in result.stdout
    low, high = summary["ci"]
    assert result.stdout.rstrip().splitlines()[-1] == (
        f"accuracy = {summary['mean']:.4f} ± {summary['sd']:.4f} over 3 seeds"
        f"  (95% interval over seeds and items {low:.4f} – {high:.4f})"
    )
    for seed in range(3):
        assert f"train seed: {seed}" in result.stdout  # each seed's log, followed
