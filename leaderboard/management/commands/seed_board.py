"""``manage.py seed_board BENCHMARK --seeds K [--top N]``: k training seeds of every line of a board."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from benchmarks import registry
from jobs.models import Job
from jobs.services import seed_group_rerun
from leaderboard.selectors import board


class Command(BaseCommand):
    help = (
        "Queue a seed group of K training seeds (LB_TRAIN_SEED=0..K-1) for the job of each line of BENCHMARK's "
        "current board (or its top N), owned by the line's owner like a staff re-run (no limit refuses it). "
        "Lines whose job already belongs to a seed group of K or more are skipped. Then rank with ?rank=seed_mean."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("benchmark")
        parser.add_argument("--seeds", type=int, required=True)
        parser.add_argument("--top", type=int, default=0, help="only the top N lines (default: all)")

    def handle(self, *args, **options) -> None:
        slug, seeds = options["benchmark"], options["seeds"]
        try:
            cap = registry.get(slug).max_seeds
        except registry.UnknownBenchmark:
            raise CommandError(f"unknown benchmark {slug!r}") from None
        if not 2 <= seeds <= cap:
            raise CommandError(f"--seeds must be from 2 to {cap} on {slug}")
        rows = board(slug, include_hidden=False).rows
        rows = rows[: options["top"]] if options["top"] > 0 else rows
        queued = 0
        for job in Job.objects.filter(pk__in=[row.job for row in rows]).select_related("owner", "submission"):
            label = f"{job.owner.username}/{job.submission.method}"
            if job.seed_group is not None and Job.objects.filter(seed_group=job.seed_group).count() >= seeds:
                self.stdout.write(f"skipped {label}: already {seeds} seeds or more")
                continue
            made = seed_group_rerun(job=job, seeds=seeds)
            queued += 1
            self.stdout.write(f"queued {seeds} seeds of {label} (group {made[0].seed_group})")
        self.stdout.write(f"{queued} seed group(s) queued")
