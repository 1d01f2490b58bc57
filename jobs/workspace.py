"""The one layout of a job's folder under ``LB_DATA_DIR/jobs/<id>``: the runner
makes it, the recorder reads it, the runner removes what is not kept."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings


@dataclass
class Workspace:
    root: Path

    @property
    def code(self) -> Path:
        return self.root / "code"

    @property
    def output(self) -> Path:
        return self.root / "output"

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def metrics_file(self) -> Path:
        return self.root / "metrics.json"

    @classmethod
    def of(cls, job_id) -> Workspace:
        """The job's folder as it is (made if missing, e.g. to re-record a job)."""
        workspace = cls(settings.DATA_DIR / "jobs" / str(job_id))
        workspace.artifacts.mkdir(parents=True, exist_ok=True)
        return workspace

    @classmethod
    def fresh(cls, job_id) -> Workspace:
        root = settings.DATA_DIR / "jobs" / str(job_id)
        if root.exists():
            shutil.rmtree(root)  # a previous attempt's leftovers
        workspace = cls(root)
        for path in (workspace.code, workspace.output, workspace.artifacts):
            path.mkdir(parents=True)
        return workspace

    def clean_up(self) -> None:
        """Drop the submission's code and output; scorer artifacts and metrics stay."""
        for leftover in (self.code, self.output):
            shutil.rmtree(leftover, ignore_errors=True)
