"""``manage.py rerun_stale BENCHMARK [--dry-run]``: run the board's stale entries again on the current data."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from benchmarks import registry
from jobs.models import ACTIVE_STATUSES, Job
from jobs.services import job_rerun
from leaderboard.selectors import stale_jobs


class Command(BaseCommand):
    help = (
        "Queue a new job for every board entry of BENCHMARK scored on a replaced hidden set "
        "(see rotate_hidden_data), through the staff re-run: no limit refuses it. Entries whose submission "
        "already has a pending or running job are skipped, so running it twice queues nothing new."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("benchmark")
        parser.add_argument("--dry-run", action="store_true", help="list what would be re-run")

    def handle(self, *args, **options) -> None:
        slug = options["benchmark"]
        try:
            registry.get(slug)
        except registry.UnknownBenchmark:
            raise CommandError(f"unknown benchmark {slug!r}") from None
        queued = skipped = 0
        for job in stale_jobs(slug):
            label = f"{job.owner.username}/{job.submission.method} (job {job.pk})"
            if Job.objects.filter(submission_id=job.submission_id, status__in=ACTIVE_STATUSES).exists():
                skipped += 1
                self.stdout.write(f"skipped {label}: a job of its submission is already pending or running")
                continue
            if options["dry_run"]:
                self.stdout.write(f"would re-run {label}")
                continue
            new = job_rerun(job=job, actor=None)
            queued += 1
            self.stdout.write(f"re-run {label} as job {new.pk}")
        self.stdout.write(self.style.SUCCESS(f"{slug}: {queued} queued, {skipped} skipped"))
