"""Staff ask for k seeds of a whole board: one group per line, owned by the line's owner, with seeds 0..k-1."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from jobs.models import Job


def _run(*args) -> str:
    out = io.StringIO()
    call_command("seed_board", "toy", *args, stdout=out)
    return out.getvalue()


def test_every_line_gets_a_seed_group_once(alice, bob, scored, settings):
    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 1  # a staff action: no limit refuses it
    mine, theirs = scored(alice, "a", 0.9, 0.9), scored(bob, "b", 0.7, 0.7)
    assert "2 seed group(s) queued" in _run("--seeds", "3")
    for original in (mine, theirs):
        group = Job.objects.filter(submission=original.submission, seed_group__isnull=False)
        assert sorted(group.values_list("train_seed", flat=True)) == [0, 1, 2]
        assert set(group.values_list("owner_id", flat=True)) == {original.owner_id}
        assert len(set(group.values_list("seed_group", flat=True))) == 1
    with pytest.raises(CommandError):
        _run("--seeds", "1000")
