from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Submission(models.Model):
    """Code uploaded by a user for one benchmark, stored as a canonical archive."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions")
    benchmark = models.SlugField(max_length=64, db_index=True)
    # Made for a team the owner is in (null: as oneself); its jobs count for the team (teams/).
    team = models.ForeignKey("teams.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    method = models.CharField(max_length=100)
    entrypoint = models.CharField(max_length=255, default="main.py")
    config_file = models.CharField(max_length=255, default="config.yaml")
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField()
    files = models.JSONField(default=list)  # [{"path", "size", "sha256"}]
    # The config file's params as read at upload (flattened, bounded: submissions.config_params); {} for
    # configs that are not YAML mappings and for submissions from before it was kept. Compared by /compare/.
    config = models.JSONField(default=dict, blank=True)
    archive = models.FileField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The method card given at upload; copied onto the board entry when its job completes.
    description = models.TextField(blank=True, default="")
    paper_url = models.URLField(max_length=500, blank=True, default="")
    code_url = models.URLField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.method} ({self.benchmark}) by {self.owner}"

    @property
    def has_requirements(self) -> bool:
        return any(entry["path"] == "requirements.txt" for entry in self.files)
