"""Reads about submissions shared by the API and other apps' services."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from core.visibility import get_visible, visible
from submissions.models import Submission


def submission_for(*, user: AbstractBaseUser, submission_id, fields: tuple[str, ...] = ()) -> Submission:
    """A submission the user may act on; someone else's answers 404, not 403.
    ``fields`` loads only those columns (the file list can be large)."""
    queryset = Submission.objects.only(*fields) if fields else Submission.objects.all()
    return get_visible(visible(queryset, user), submission_id, "submission")
