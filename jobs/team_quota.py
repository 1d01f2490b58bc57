"""The enqueue of a team's submission: its limits are counted by team, not by the member who enqueues.

The "owner key" that usage is counted by is the team when the submission names one (``Job.team``,
copied from ``Submission.team``), else the user. ``selectors.enqueue_check`` reads personal
submissions only; a team's is read here, under the member's enqueue lock and then the team's
(``jobs.enqueue_lock.team_lock``), so two members racing for the team's last slot see each other's
jobs. The counts are the rules of
``jobs.selectors`` (``counts_against_quota``, ``ACTIVE_STATUSES``, the rate window) with
``team_id=`` in place of ``owner=``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.utils import timezone

from core.errors import NotFound
from jobs import selectors
from jobs.models import ACTIVE_STATUSES, Job
from jobs.selectors import EnqueueCheck, job_rate_limit
from submissions.models import Submission
from teams import selectors as teams


def team_of_submission(submission_id) -> int | None:
    """The team a submission was made for (one primary-key read), or None."""
    return Submission.objects.filter(pk=submission_id).values_list("team_id", flat=True).first()


def team_enqueue_check(*, owner: AbstractBaseUser, submission_id, team_id: int) -> EnqueueCheck:
    """The submission's benchmark and the team's two limit counts. Read it under the owner's and
    then the team's enqueue lock (``jobs.enqueue_lock``): then the counts include a racing member's job."""
    if not teams.is_member(user=owner, team_id=team_id):  # left the team since the upload
        raise NotFound(f"No team {team_id} of yours.", code="not_in_team")
    submissions = Submission.objects.filter(pk=submission_id, team_id=team_id)
    if not owner.is_staff:
        submissions = submissions.filter(owner=owner)
    benchmark = submissions.values_list("benchmark", flat=True).first()
    limit, window = job_rate_limit()
    since = timezone.now() - window
    active = Job.objects.filter(team_id=team_id, status__in=ACTIVE_STATUSES).count()
    used = Job.objects.filter(selectors.counts_against_quota(), team_id=team_id, created_at__gte=since).count()
    return EnqueueCheck(
        benchmark=benchmark,
        active=active,
        rate=selectors.rate_usage_of(side=Q(team_id=team_id), used=used, limit=limit, window=window, since=since),
    )
