"""Racing requests cannot both take the last final mark or the last job of a phase's daily cap."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from core.errors import DomainError
from leaderboard.models import FinalMark
from tests.leaderboard.conftest import entry_of


def race(call, arguments) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(len(arguments))

    def run(argument):
        try:
            barrier.wait()
            call(argument)
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_racing_marks_cannot_exceed_final_max(make_phase, alice, scored):
    from leaderboard.finals import final_mark

    make_phase(final_max=1)
    entries = [entry_of(scored(alice, f"m{i}", 0.5, 0.5)).pk for i in range(4)]
    outcomes = race(lambda entry_id: final_mark(user=alice, entry_id=entry_id), entries)
    assert outcomes == ["final_limit_reached"] * 3 + ["ok"]
    assert FinalMark.objects.filter(owner=alice).count() == 1


@pytest.mark.django_db(transaction=True)
def test_racing_jobs_cannot_exceed_the_daily_cap(make_phase, alice, settings):
    from jobs.models import Job
    from jobs.services import job_enqueue
    from submissions.models import Submission

    settings.LB_MAX_ACTIVE_JOBS_PER_USER = 100
    make_phase(max_per_day=1)
    submission = Submission.objects.create(
        owner=alice, benchmark="toy", method="m", sha256="0" * 64, size_bytes=1, archive="x.tar.gz"
    )
    outcomes = race(lambda _: job_enqueue(owner=alice, submission_id=submission.pk), range(4))
    assert outcomes == ["ok"] + ["phase_daily_limit"] * 3
    assert Job.objects.filter(owner=alice).count() == 1
