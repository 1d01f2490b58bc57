"""Staff re-run a board from the command line: the top K lines, then every line, each once unless --again."""

from __future__ import annotations

import io

from django.core.management import call_command

from jobs.models import Job


def _reproduced() -> set:
    return set(Job.objects.filter(reproduces__isnull=False).values_list("reproduces_id", flat=True))


def _run(*args) -> str:
    out = io.StringIO()
    call_command("reproduce_board", "toy", *args, stdout=out)
    return out.getvalue()


def test_top_then_all_then_again(alice, bob, scored):
    best = scored(alice, "best", 0.9, 0.9)
    middle = scored(bob, "middle", 0.7, 0.7)
    last = scored(alice, "last", 0.5, 0.5)

    assert "1 re-run(s) queued" in _run("--top", "1")
    assert _reproduced() == {best.pk}
    assert "2 re-run(s) queued" in _run("--all")  # the top line already has its re-run
    assert _reproduced() == {best.pk, middle.pk, last.pk}
    assert "0 re-run(s) queued" in _run("--all", "--again")  # theirs are still pending
    Job.objects.filter(reproduces__isnull=False).update(status="completed")
    assert "3 re-run(s) queued" in _run("--all", "--again")
    assert Job.objects.filter(reproduces__isnull=False, owner__username="platform").count() == 6
