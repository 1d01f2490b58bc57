from __future__ import annotations

from django.conf import settings
from django.db import models


class WorkerToken(models.Model):
    """The one credential of a remote worker (``lb-worker --token``). Only a hash is stored; the
    token is shown once when made (admin or ``manage.py issue_worker_token``). It is scoped to
    pools and authenticates the worker API only (remote_workers/authentication.py): never a user
    endpoint, and a user's token never a worker endpoint."""

    name = models.CharField(max_length=100, help_text="Whose host this is, e.g. 'lab-b gpu-01'.")
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    pools = models.JSONField(default=list, help_text="The pools this worker may claim jobs from.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (lbw_{self.prefix}…)"
